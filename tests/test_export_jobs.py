"""Large exports run as background jobs with progress and a download link; the CLI exports to a file."""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from pathlib import Path

import pyogrio
import pytest
from pyproj import CRS

from atlas import create_app
from layers.access import PUBLIC
from layers.errors import InvalidInput
from layers.exchange.jobs import ExportJobs
from tests.exporting import database_rows


@pytest.fixture
def small_threshold_app(database_url, tmp_path):
    """The app with exports over 100 features sent to background jobs kept in tmp_path."""
    application = create_app({"database_url": database_url, "export_stream_max": 100, "exports_dir": str(tmp_path)})
    application.config["TESTING"] = True
    yield application
    application.extensions["atlas.pool"].close()


def _wait(client, url: str) -> dict:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = client.get(url).get_json()
        if state["state"] != "running":
            return state
        assert 0 <= state["done"] <= state["total"]
        time.sleep(0.2)
    raise AssertionError("the export job did not finish")


def test_a_large_export_is_a_job_with_progress_and_a_download(small_threshold_app, db, tmp_path):
    client = small_threshold_app.test_client()
    response = client.get("/api/layers/species_observations/export?format=gpkg&crs=EPSG:5897")
    assert response.status_code == 202
    body = response.get_json()
    assert response.headers["Location"] == body["status_url"] and body["state"] in ("running", "done")
    state = _wait(client, body["status_url"])
    stored = database_rows(db, "species_observations")
    assert state["state"] == "done" and state["done"] == state["total"] == len(stored)
    assert state["counts"] == {"species_observations": len(stored)}
    download = client.get(state["download"])
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == "attachment; filename=species_observations_epsg5897.gpkg"
    path = tmp_path / "got.gpkg"
    path.write_bytes(download.data)
    info = pyogrio.read_info(path)
    assert info["features"] == len(stored) and CRS.from_user_input(info["crs"]).to_epsg() == 5897
    assert not list(tmp_path.glob("*/work-*")), "the job's work folder is removed"


def _export_folders() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("atlas-export-*"))


def test_small_exports_stream_and_leave_no_folder_behind(small_threshold_app):
    client = small_threshold_app.test_client()
    before = _export_folders()
    with client.get("/api/layers/rivers/export?format=shp") as response:
        assert response.status_code == 200
        # The folder is gone before the body is sent; the open file still streams in full.
        assert _export_folders() - before == set()
        assert int(response.headers["Content-Length"]) == len(response.data) > 1000
        assert zipfile.ZipFile(io.BytesIO(response.data)).testzip() is None
    with client.get("/api/layers/rivers/export?format=shp&crs=EPSG:1234") as refused:
        assert refused.status_code == 400
    assert _export_folders() - before == set()


def test_a_job_can_be_asked_for_a_small_export(small_threshold_app):
    client = small_threshold_app.test_client()
    response = client.get("/api/layers/rivers/export?format=csv&background=true")
    assert response.status_code == 202
    assert _wait(client, response.get_json()["status_url"])["state"] == "done"
    assert client.get("/api/layers/rivers/export?format=csv&background=maybe").status_code == 400


def test_unknown_jobs_are_404(client):
    assert client.get("/api/exports/not-a-job").status_code == 404
    assert client.get("/api/exports/" + "a" * 24).status_code == 404
    assert client.get("/api/exports/" + "a" * 24 + "/file").status_code == 404


def test_a_failed_job_says_why_and_old_jobs_are_removed(tmp_path):
    jobs = ExportJobs(tmp_path, keep_s=3600)

    def fail(folder: Path, progress):
        raise InvalidInput("nothing to export")

    job_id = jobs.start(10, fail, PUBLIC)
    deadline = time.monotonic() + 10
    while jobs.state(job_id, PUBLIC)["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs.state(job_id, PUBLIC) | {"updated": 0, "created": 0} == {
        "state": "failed", "done": 0, "total": 10, "error": "nothing to export", "updated": 0, "created": 0,
        "officials_only": False,
    }  # fmt: skip
    ExportJobs(tmp_path, keep_s=-1).remove_expired()
    assert not (tmp_path / job_id).exists()


def test_the_cli_exports_with_filters_to_a_file(app, db, tmp_path):
    output = tmp_path / "permits.zip"
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "export",
            "water_permits",
            "--format",
            "shp",
            "--crs",
            "EPSG:9209",
            "--where",
            "status=active",
            "-o",
            str(output),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    with zipfile.ZipFile(output) as archive:
        archive.extractall(tmp_path)
    info = pyogrio.read_info(tmp_path / "water_permits.shp")
    assert info["features"] == len(database_rows(db, "water_permits", "WHERE status = 'active'"))
    assert CRS.from_wkt((tmp_path / "water_permits.prj").read_text()).to_epsg() == 9209
    bad = runner.invoke(args=["export", "water_permits", "--where", "colour=red", "-o", str(output)])
    assert bad.exit_code != 0 and "colour" in bad.output
