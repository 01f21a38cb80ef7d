"""How long a request line and how many and how large header fields the atlas reads, and what text.

The atlas answers past these limits itself, in its own error form (JSON under /api, /tiles and
/ogc, a translated page elsewhere). gunicorn's limits and nginx's buffers (atlas/front.py) are set
above them, so neither server ever shows its own 414 or 431 page for a request the atlas could read.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request

from layers.errors import AtlasError, HeadersTooLarge, InvalidInput, UriTooLong

# The request target (path and query), in bytes as sent: the atlas's longest URLs are far shorter.
MAX_TARGET_BYTES = 4096
# Header fields, and bytes in one field ("Name: value"); a browser sends about 15, cookies included.
MAX_HEADER_FIELDS = 100
MAX_FIELD_BYTES = 4096

# What gunicorn and nginx allow: a little above the atlas's own, so the atlas is the one to refuse.
GUNICORN_LIMITS = {
    "--limit-request-line": "8190",
    "--limit-request-fields": "10000",
    "--limit-request-field_size": "8190",
}
# nginx holds the request line and each header field in one of these buffers (4 of 8 KB); longer
# ones get nginx's own answer, which front.py also gives in the atlas's form.
NGINX_HEADER_BUFFERS = "4 8k"


def request_target(environ: dict[str, Any]) -> str:
    """The path and query as the client sent them (gunicorn and werkzeug keep it in RAW_URI/REQUEST_URI)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return raw
    query = environ.get("QUERY_STRING", "")
    return environ.get("PATH_INFO", "") + ("?" + query if query else "")


def _header_fields(environ: dict[str, Any]) -> list[tuple[str, str]]:
    names = [key for key in environ if key.startswith("HTTP_")] + [
        key for key in ("CONTENT_TYPE", "CONTENT_LENGTH") if environ.get(key)
    ]
    return [(name, str(environ[name])) for name in names]


def oversized(environ: dict[str, Any]) -> AtlasError | None:
    """Why a request's target or header fields are longer or more than the atlas reads; None when they are not."""
    if len(request_target(environ).encode("latin-1", "replace")) > MAX_TARGET_BYTES:
        return UriTooLong(f"The address is longer than the {MAX_TARGET_BYTES} bytes this atlas reads.")
    fields = _header_fields(environ)
    if len(fields) > MAX_HEADER_FIELDS:
        return HeadersTooLarge(f"The request has more than {MAX_HEADER_FIELDS} header fields.")
    if any(len(name) + len(value) + 2 > MAX_FIELD_BYTES for name, value in fields):
        return HeadersTooLarge(f"A header field of the request is longer than {MAX_FIELD_BYTES} bytes.")
    return None


def check_request_size() -> None:
    """Refuse a request whose target or header fields are longer or more than the atlas reads."""
    problem = oversized(request.environ)
    if problem is not None:
        raise problem


def refuse_nul_characters() -> None:
    """Refuse NUL in the path, the query or a plain form: no text column can hold it (psycopg2 would fail)."""
    # A NUL reaches the query's keys and values only as %00 (or itself): most requests have neither.
    query = request.environ.get("QUERY_STRING", "")
    decoded_query = [*request.args.keys(), *request.args.values()] if "%00" in query or "\x00" in query else []
    values = [request.path, *decoded_query]
    if request.mimetype == "application/x-www-form-urlencoded":
        values += [*request.form.keys(), *request.form.values()]
    if any("\x00" in value for value in values):
        raise InvalidInput("The address or form contains a NUL character (%00), which text cannot hold.")


def init_request_limits(app: Flask) -> None:
    """Check every request's size and text before anything else reads it."""
    app.before_request(check_request_size)
    app.before_request(refuse_nul_characters)
