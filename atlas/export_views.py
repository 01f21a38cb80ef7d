"""Exports: the download API (direct for small exports, a background job for large ones) and the /export page."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_file, url_for

from atlas.auth import request_access
from atlas.export_params import parse_export_request, parse_layer_list, wants_background
from atlas.pages import online_links
from atlas.requestdb import request_connection
from layers.access import visible_catalogue
from layers.exchange.export import ExportRequest, ExportResult, Progress, count_features, export_layers
from layers.exchange.formats import EXPORT_SRIDS, FORMATS
from layers.exchange.jobs import ExportJobs
from layers.exchange.readme import crs_name
from layers.exchange.selection import commune_choices
from layers.exchange.snapshot import export_in_snapshot

bp = Blueprint("exports", __name__)


@bp.get("/api/layers/<layer_id>/export")
def layer_export(layer_id: str):
    """One layer as shp (zip), gpkg, geojson, csv or kml, with `crs`, `bbox`, `commune` and field filters."""
    conn = request_connection()
    return _export(parse_export_request(conn, [layer_id], request.args, online_links, access=request_access()))


@bp.get("/api/export")
def layers_export():
    """Several layers (`layers=a,b`) in one zip, with `format`, `crs`, `bbox` and `commune`."""
    conn = request_connection()
    ids = parse_layer_list(request.args.getlist("layers"))
    export = parse_export_request(
        conn, ids, request.args, online_links, extra_allowed=("layers",), access=request_access()
    )
    return _export(export)


@bp.get("/api/exports/<job_id>")
def job_status(job_id: str):
    """A background export's state, progress and, once done, its download link."""
    state = _jobs().state(job_id, request_access())
    return jsonify(_job_body(job_id, state))


@bp.get("/api/exports/<job_id>/file")
def job_file(job_id: str):
    """The file of a finished background export."""
    path, filename, media_type = _jobs().result(job_id, request_access())
    return send_file(path, mimetype=media_type, as_attachment=True, download_name=filename)


@bp.get("/export")
def page():
    """The export page: layers, format, CRS and a commune or an area drawn on the map."""
    conn = request_connection()
    return render_template(
        "export/page.html",
        layers=visible_catalogue(conn, request_access()),
        formats=FORMATS.values(),
        crs_choices=[(srid, crs_name(conn, srid)) for srid in EXPORT_SRIDS],
        communes=commune_choices(conn),
        chosen=set(request.args.getlist("layers")),
        chosen_format=request.args.get("format", "shp"),
        chosen_crs=request.args.get("crs", "EPSG:5897"),
    )


@bp.app_context_processor
def _export_helpers() -> dict:
    # Layer pages link large layers to the export page, which runs them as a job with progress.
    return {"export_stream_max": lambda: current_app.extensions["atlas.settings"].export_stream_max}


def _export(export: ExportRequest) -> Response | tuple[Response, int]:
    """Stream a small export at once; start a background job for a large one (or when asked) and answer 202."""
    settings = current_app.extensions["atlas.settings"]
    conn = request_connection()
    total = sum(count_features(conn, export).values())
    if total > settings.export_stream_max or wants_background(request.args):
        url = settings.database_url

        def run(folder: Path, progress: Progress) -> ExportResult:
            return export_in_snapshot(url, export, folder, progress)

        job_id = _jobs().start(total, run, export.access)
        body = _job_body(job_id, _jobs().state(job_id, export.access))
        return jsonify(body), 202, {"Location": body["status_url"]}  # type: ignore[return-value]
    folder = Path(tempfile.mkdtemp(prefix="atlas-export-"))
    try:
        result = export_layers(conn, export, folder)
        # The open file outlives its folder: removed now, its space is freed when the response closes it,
        # whether or not the server calls close() (werkzeug skips call_on_close for files it passes through).
        handle = result.path.open("rb")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    response = send_file(handle, mimetype=result.media_type, as_attachment=True, download_name=result.filename)
    response.content_length = os.fstat(handle.fileno()).st_size
    response.headers["X-Feature-Count"] = str(total)
    return response


def _job_body(job_id: str, state: dict) -> dict:
    status_url = url_for("exports.job_status", job_id=job_id, _external=True)
    body = {"id": job_id, "status_url": status_url, **{k: v for k, v in state.items() if k != "updated"}}
    if state["state"] == "done":
        body["download"] = url_for("exports.job_file", job_id=job_id, _external=True)
    return body


def _jobs() -> ExportJobs:
    if "atlas.export_jobs" not in current_app.extensions:
        root = Path(current_app.extensions["atlas.settings"].exports_dir)
        current_app.extensions["atlas.export_jobs"] = ExportJobs(root)
    return current_app.extensions["atlas.export_jobs"]
