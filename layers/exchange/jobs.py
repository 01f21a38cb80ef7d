"""Background export jobs: one thread each, their state and file kept in a folder per job.

The state is a small JSON file next to the result, so any worker process on the host can report
a job's progress and send its file, whichever process runs it. Finished jobs stay for KEEP_S.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from layers.access import Access
from layers.errors import AtlasError, NotFound
from layers.exchange.export import ExportResult, Progress

KEEP_S = 6 * 3600
# A running job writes its progress about once a second; a state older than STALE_S means its process is gone.
PROGRESS_EVERY_S = 1.0
STALE_S = 120.0
log = logging.getLogger(__name__)
_JOB_ID = re.compile(r"[A-Za-z0-9_-]{20,40}\Z")  # \Z: "$" would let a trailing newline through
Runner = Callable[[Path, Progress], ExportResult]


class ExportJobs:
    """Starts export jobs in threads and answers for them from their folders under `root`."""

    def __init__(self, root: Path, keep_s: float = KEEP_S) -> None:
        self.root = root
        self.keep_s = keep_s

    def _folder(self, job_id: str) -> Path:
        if not _JOB_ID.match(job_id):
            raise NotFound("There is no export job with this id (finished jobs are kept for a few hours).")
        return self.root / job_id

    def _write_state(self, job_id: str, state: dict[str, Any]) -> None:
        folder = self._folder(job_id)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".state-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(state | {"updated": time.time()}, out, ensure_ascii=False)
        os.replace(temporary, folder / "state.json")  # atomic: a reader never sees half a state

    def start(self, total: int, run: Runner, access: Access) -> str:
        """Start `run` in a thread with a private work folder; returns the new job's id.

        An official's job may hold exact data, so only officials may ask for it later.
        """
        self.remove_expired()
        job_id = secrets.token_urlsafe(18)
        self.root.mkdir(parents=True, exist_ok=True)
        self._folder(job_id).mkdir(mode=0o700)
        state = {
            "state": "running",
            "done": 0,
            "total": total,
            "created": time.time(),
            "officials_only": access.official,
        }
        self._write_state(job_id, state)
        thread = threading.Thread(target=self._run, args=(job_id, state, run), name=f"export-{job_id[:8]}", daemon=True)
        thread.start()
        return job_id

    def _run(self, job_id: str, state: dict[str, Any], run: Runner) -> None:
        folder = self._folder(job_id)
        work = Path(tempfile.mkdtemp(dir=folder, prefix="work-"))
        last = [0.0]

        def progress(rows: int) -> None:
            state["done"] += rows
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                self._write_state(job_id, state)

        try:
            result = run(work, progress)
            os.replace(result.path, folder / "result")
            state.update(state="done", filename=result.filename, media_type=result.media_type, counts=result.counts)
        except AtlasError as exc:
            state.update(state="failed", error=exc.message)
        except Exception:
            state.update(state="failed", error="The export failed on our side; it has been logged.")
            log.exception("export job %s failed", job_id)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self._write_state(job_id, state)

    def state(self, job_id: str, access: Access) -> dict[str, Any]:
        """The job's state: running (done/total), done (filename, counts) or failed (error).

        An official's job is not found for the public, as if it did not exist.
        """
        try:
            state = json.loads((self._folder(job_id) / "state.json").read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            raise NotFound("There is no export job with this id (finished jobs are kept for a few hours).") from None
        if state.get("officials_only", True) and not access.official:
            raise NotFound("There is no export job with this id (finished jobs are kept for a few hours).")
        if state["state"] == "running" and time.time() - state["updated"] > STALE_S:
            state.update(state="failed", error="The export stopped: the server restarted. Please start it again.")
        return state

    def result(self, job_id: str, access: Access) -> tuple[Path, str, str]:
        """The finished job's file, download name and media type; NotFound until it is done."""
        state = self.state(job_id, access)
        if state["state"] != "done":
            raise NotFound("This export has no file yet; ask its status URL until it says done.")
        return self._folder(job_id) / "result", state["filename"], state["media_type"]

    def remove_expired(self) -> None:
        """Delete the folders of jobs created more than keep_s ago."""
        if not self.root.is_dir():
            return
        cutoff = time.time() - self.keep_s
        for folder in self.root.iterdir():
            if folder.is_dir() and _JOB_ID.match(folder.name) and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
