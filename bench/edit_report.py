"""The tables `make bench-edit` prints, in Markdown: the editors' runs, and edits under tile load."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.editing import WriteLog
from bench.load import WrkResult

P99_TARGET_MS = 100.0
# About one tile per zoom for a point, z6-z14.
RERENDERS_PER_EDIT_TARGET = 9.0
IN_FLIGHT = 8  # wrk connections of part 2


@dataclass(frozen=True)
class EditorsRun:
    """One run of the editors: history on or off, back to back (pause 0) or paced, and what the database counted."""

    history: str
    pause_ms: int
    editors: int
    seconds: float
    log: WriteLog
    history_rows: int
    versions_advanced: int


@dataclass(frozen=True)
class TileRun:
    """One URL list under wrk while edits arrived, on one tile scheme."""

    scheme: str
    url: str
    tiles: int
    changes_kept: int
    hit_ms: float
    wrk: WrkResult
    edits: WriteLog
    reached_per_edit: float
    metric_misses: float

    @property
    def hits(self) -> int:
        """Answers with X-Tile-Cache: hit."""
        return int(self.wrk.extra.get("hits", 0))

    @property
    def misses(self) -> int:
        """Answers with X-Tile-Cache: miss, i.e. tiles drawn again."""
        return int(self.wrk.extra.get("misses", 0))

    @property
    def hit_rate(self) -> float:
        """Hits among the answers that said hit or miss."""
        counted = self.hits + self.misses
        return self.hits / counted if counted else math.nan

    @property
    def per_edit(self) -> float:
        """Re-renders per edit made during the run."""
        return self.misses / self.edits.writes if self.edits.writes else math.nan


def _num(value: float, spec: str) -> str:
    return "–" if value is None or math.isnan(value) else format(value, spec)


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def _errors(log: WriteLog) -> str:
    total = sum(log.errors.values())
    if not total:
        return "0"
    return f"{total} ({', '.join(f'{kind}: {n}' for kind, n in sorted(log.errors.items()))})"


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A Markdown table, numbers right-aligned."""
    align = ["---" if i == 0 else "---:" for i in range(len(header))]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(align) + " |"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def editors_section(runs: list[EditorsRun]) -> list[str]:
    """Part 1: throughput, latency and errors of the editors, history on and off, then the checks."""
    header = ["history", "pause ms", "editors", "seconds", "writes", "writes/s", "p50 ms", "p99 ms", "max ms", "errors"]
    header += ["history rows", "versions advanced"]
    rows = [
        [
            run.history,
            str(run.pause_ms),
            str(run.editors),
            f"{run.seconds:.1f}",
            str(run.log.writes),
            _num(run.log.writes / run.seconds if run.seconds else math.nan, ".1f"),
            _num(run.log.percentile_ms(50), ".1f"),
            _num(run.log.percentile_ms(99), ".1f"),
            _num(run.log.percentile_ms(100), ".1f"),
            _errors(run.log),
            str(run.history_rows),
            str(run.versions_advanced),
        ]
        for run in runs
    ]
    lines = ["### Editors: concurrent PATCH with If-Match", "", *markdown_table(header, rows), ""]
    for run in runs:
        if run.history == "on":
            p99 = run.log.percentile_ms(99)
            ok = None if math.isnan(p99) else p99 < P99_TARGET_MS
            pace = "back to back" if not run.pause_ms else f"each editor saving every {run.pause_ms} ms"
            lines.append(
                f"- p99 < {P99_TARGET_MS:.0f} ms with history on, {pace}: {_num(p99, '.1f')} ms — {_verdict(ok)}"
            )
            same = run.history_rows == run.log.writes == run.versions_advanced
            lines.append(
                f"- history rows = successful writes (history on): {run.history_rows} rows, {run.log.writes} writes,"
                f" {run.versions_advanced} versions advanced — {'equal' if same else '**not equal**'}"
            )
        else:
            lines.append(
                f"- history off: {run.history_rows} history rows for {run.log.writes} writes"
                f" ({'none written, as expected' if run.history_rows == 0 else '**expected none**'})"
            )
    return lines


def tiles_section(runs: list[TileRun], code: dict[str, str], workers: int) -> list[str]:
    """Part 2: hit rate and re-renders per edit of each scheme and URL list, then the verdicts."""
    header = ["scheme", "changes kept", "tile URL", "ms per hit, 1 client", "tile requests", "req/s", "p99 ms"]
    header += ["hit rate", "re-renders", "edits"]
    header += ["re-renders per edit", "listed tiles an edit reaches"]
    rows = [
        [
            run.scheme,
            str(run.changes_kept) if run.scheme == "edit-aware" else "(not read)",
            run.url,
            _num(run.hit_ms, ".2f"),
            str(run.wrk.requests),
            f"{run.wrk.rps:.0f}",
            f"{run.wrk.p99_ms:.1f}",
            _num(run.hit_rate * 100, ".1f") + " %",
            str(run.misses),
            str(run.edits.writes),
            _num(run.per_edit, ".1f"),
            _num(run.reached_per_edit, ".2f"),
        ]
        for run in runs
    ]
    lines = ["### Edits under tile load", "", *markdown_table(header, rows), ""]
    lines += [f"- {scheme} = {label}" for scheme, label in code.items()]
    lines += _run_notes(runs)
    lines += [_target_line(run, runs, workers) for run in runs if run.scheme == "edit-aware"]
    return lines


def _run_notes(runs: list[TileRun]) -> list[str]:
    """Per server run: the edits' latency, wrk's errors, and /metrics against wrk's count of misses."""
    lines = []
    for key in dict.fromkeys((run.scheme, run.changes_kept) for run in runs):
        mine = [run for run in runs if (run.scheme, run.changes_kept) == key]
        edits, counted = mine[0].edits, sum(run.misses for run in mine)
        wrk_errors = ", ".join(f"{run.url} {run.wrk.errors}" for run in mine)
        # Requests still in flight when wrk stops are drawn (and counted by /metrics) but not seen by wrk.
        drawn = round(mine[0].metric_misses)
        agrees = "agrees" if 0 <= drawn - counted <= IN_FLIGHT else "**differs**"
        if drawn < counted:  # `python -m atlas serve` empties var/metrics when it starts
            agrees += ": another server started from this checkout meanwhile and reset var/metrics"
        lines.append(
            f"- {key[0]}, {key[1]} changes kept: edits p50 {_num(edits.percentile_ms(50), '.1f')} ms, "
            f"p99 {_num(edits.percentile_ms(99), '.1f')} ms, errors {_errors(edits)}; wrk errors: {wrk_errors}; "
            f"/metrics drew the edited layer {mine[0].metric_misses:.0f} times ({agrees} with the {counted} "
            f"misses wrk saw, give or take the {IN_FLIGHT} requests in flight at the end)"
        )
    return lines


def _target_line(run: TileRun, runs: list[TileRun], workers: int) -> str:
    """The re-renders per edit of an edit-aware run against the target, the recorded ranges and the old scheme."""
    ok = None if math.isnan(run.per_edit) else run.per_edit <= RERENDERS_PER_EDIT_TARGET
    bound = workers * run.reached_per_edit
    return (
        f"- target, {run.url}, {run.changes_kept} changes kept: re-renders per edit "
        f"≤ ~{RERENDERS_PER_EDIT_TARGET:.0f} (one per zoom z6–z14): {_num(run.per_edit, '.1f')} — {_verdict(ok)}; "
        f"bound from the recorded tile ranges: {workers} workers × {run.reached_per_edit:.2f} listed tiles "
        f"reached = {bound:.1f}{_against_old(run, runs)}"
    )


def _against_old(run: TileRun, runs: list[TileRun]) -> str:
    """How many times more the whole-layer scheme drew per edit on the same URL list."""
    old = next((o for o in runs if o.url == run.url and o.scheme == "whole-layer"), None)
    if old is None or math.isnan(old.per_edit) or not run.per_edit:
        return ""
    return f"; whole-layer: {old.per_edit:.1f} per edit ({old.per_edit / run.per_edit:.1f}× as many)"
