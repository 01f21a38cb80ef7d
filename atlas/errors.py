"""One place that turns errors into responses: JSON under /api, /tiles and /healthz, HTML pages elsewhere."""

from __future__ import annotations

import logging

import psycopg2
from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from layers.errors import AtlasError, DatabaseUnavailable

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/tiles/", "/healthz")


def _wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def error_response(status: int, code: str, message: str) -> Response | tuple[str, int]:
    """The error as JSON `{"error": {...}}` or as the error page, by URL."""
    if _wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
        response.status_code = status
        if status == 503:
            response.headers["Retry-After"] = "5"
        return response
    return render_template("errors/error.html", status=status, code=code, message=message), status


def _atlas_error(exc: AtlasError):
    if exc.status >= 500:
        log.error("%s: %s", exc.code, exc.message, exc_info=exc.__cause__)
    return error_response(exc.status, exc.code, exc.message)


def _http_error(exc: HTTPException):
    code = (exc.name or "error").lower().replace(" ", "_")
    messages = {
        404: "There is nothing at this address.",
        405: f"The method {request.method} is not allowed here.",
    }
    return error_response(exc.code or 500, code, messages.get(exc.code or 500, exc.description or exc.name))


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
