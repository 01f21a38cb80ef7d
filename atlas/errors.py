"""One place that turns errors into responses: JSON under /api, /tiles and /healthz, HTML pages elsewhere.

Under /ogc the answer follows the request's format (f= or Accept): JSON unless a page was asked for.
"""

from __future__ import annotations

import logging
from typing import Any

import psycopg2
from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from atlas.i18n import current_language
from atlas.ogc.negotiate import wants_html
from layers.errors import AtlasError, DatabaseUnavailable, NotAuthenticated, VersionConflict
from layers.validation import Problem

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/tiles/", "/healthz")
OGC_PREFIX = "/ogc"
REALM = 'realm="Thanh Hoa atlas"'


def _under_ogc() -> bool:
    return request.path == OGC_PREFIX or request.path.startswith(OGC_PREFIX + "/")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES) or (_under_ogc() and not wants_html())


def _jsonable(value: Any) -> Any:
    """Details as JSON: a validation Problem becomes its code and message in the request's language."""
    if isinstance(value, Problem):
        return {"code": value.code, "message": value.message(current_language())}
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


def jsonable(value: Any) -> Any:
    """A report or details made JSON-ready, Problems in the request's language."""
    return _jsonable(value)


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response | tuple[str, int]:
    """The error as JSON `{"error": {...}}` (with its details) or as the error page, by URL."""
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message, **_jsonable(details or {})}})
        response.status_code = status
        if status == 503:
            response.headers["Retry-After"] = "5"
        return response
    return render_template("errors/error.html", status=status, code=code, message=message), status


def _atlas_error(exc: AtlasError):
    if exc.status >= 500:
        log.error("%s: %s", exc.code, exc.message, exc_info=exc.__cause__)
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    if isinstance(response, Response):
        if isinstance(exc, NotAuthenticated):
            # Desktop GIS on /ogc ask for a name and password when offered Basic.
            challenges = [f"Basic {REALM}", f"Bearer {REALM}"] if _under_ogc() else [f"Bearer {REALM}"]
            response.headers["WWW-Authenticate"] = ", ".join(challenges)
        if isinstance(exc, VersionConflict) and "current" in exc.details:
            response.set_etag(str(exc.details["current"]["version"]))
    return response


def _http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    messages = {
        404: "There is nothing at this address.",
        405: f"The method {request.method} is not allowed here.",
        413: "The request body is larger than this atlas accepts.",
        429: "Too many failed attempts; please wait a few minutes before trying again.",
    }
    if isinstance(exc, CSRFError):
        return error_response(400, "csrf_failed", "The form's security token is missing or stale; reload the page.")
    response = error_response(exc.code or 500, code, messages.get(exc.code or 500, exc.description or exc.name))
    if isinstance(response, tuple):
        response = Response(response[0], status=response[1], mimetype="text/html")
    # RFC 9110: a 405 lists the methods that are allowed (werkzeug knows them).
    for name, value in exc.get_headers():
        if name == "Allow":
            response.headers["Allow"] = value
    return response


def _database_error(exc: psycopg2.Error):
    if isinstance(exc, psycopg2.OperationalError | psycopg2.InterfaceError):
        return _atlas_error(DatabaseUnavailable("The database is not answering; please try again later."))
    log.exception("database error")
    return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


def _unexpected(exc: Exception):
    log.exception("unexpected error")
    return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


def register(app: Flask) -> None:
    """Install the handlers on the app."""
    app.register_error_handler(AtlasError, _atlas_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(psycopg2.Error, _database_error)
    app.register_error_handler(Exception, _unexpected)
