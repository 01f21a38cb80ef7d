"""Imports: POST /api/layers/<id>/import, a multipart upload checked, unpacked privately and imported all or nothing."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath

from flask import Blueprint, current_app, jsonify, request

from atlas.auth import require_writer
from atlas.errors import jsonable
from atlas.params import parse_flag
from atlas.requestdb import request_connection
from layers.accounts import require_editor
from layers.catalogue import get_layer
from layers.errors import InvalidInput, PayloadTooLarge
from layers.exchange.archive import prepare
from layers.exchange.encodings import ENCODINGS
from layers.exchange.importer import MODES, ImportOptions, import_layer

bp = Blueprint("imports", __name__, url_prefix="/api")
FIELDS = ("mode", "dry_run", "srid", "encoding", "skip_invalid")


def _check_size() -> None:
    """413 from the Content-Length, before a byte of the body is read; the form parser stops at the same limit."""
    limit = current_app.extensions["atlas.settings"].max_upload_mb * 1024 * 1024
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The upload is larger than the {limit // 1024**2} MB an import accepts.")
    request.max_content_length = limit


def parse_options(form) -> ImportOptions:
    """The import's options from the form (or query): 400 naming a bad one."""
    unknown = sorted(set(form) - set(FIELDS) - {"csrf_token"})
    if unknown:
        raise InvalidInput(f"Unknown parameter(s): {', '.join(unknown)[:120]}; an import takes {', '.join(FIELDS)}.")
    mode = form.get("mode", "append")
    if mode not in MODES:
        raise InvalidInput("mode must be append or replace.")
    encoding = (form.get("encoding") or "").lower() or None
    if encoding is not None and encoding not in ENCODINGS:
        raise InvalidInput(f"encoding must be one of {', '.join(ENCODINGS)}.")
    srid = form.get("srid") or None
    if srid is not None and not (srid.isascii() and srid.removeprefix("EPSG:").isdigit()):
        raise InvalidInput("srid must be an EPSG code such as 5897.")
    dry, skip = parse_flag(form.get("dry_run"), "dry_run"), parse_flag(form.get("skip_invalid"), "skip_invalid")
    return ImportOptions(mode, dry, int(srid.removeprefix("EPSG:")) if srid else None, encoding, skip)


def _save_upload(folder: Path) -> Path:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("Send the file as the multipart field 'file' (a shapefile zip, GeoPackage or GeoJSON).")
    # Only the name's last part, in ASCII: nothing of the client's path reaches the disk.
    suffix = PurePosixPath(upload.filename.replace("\\", "/")).suffix.lower()
    target = folder / ("upload" + (suffix if suffix.isascii() and len(suffix) <= 8 else ""))
    upload.save(target)
    return target


@bp.post("/layers/<layer_id>/import")
def import_file(layer_id: str):
    """Import a file into the layer (editors of it only); the JSON report, 422 with it when refused."""
    _check_size()
    user = require_writer()
    conn = request_connection()
    layer = get_layer(conn, layer_id)
    require_editor(user, layer.id)
    options = parse_options(request.args.to_dict() | request.form.to_dict())
    folder = Path(tempfile.mkdtemp(prefix="atlas-import-"))
    try:
        source = prepare(_save_upload(folder), folder)
        report = import_layer(conn, layer, source, options, user)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return jsonify({"layer": layer.id, **jsonable(report)})
