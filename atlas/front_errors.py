"""nginx's own refusals in the atlas's form: the error JSON and the translated error page, written once.

nginx refuses by itself a request it cannot parse or hold (a request line or header field over its
buffers). Its answers are static files under var/front/<port>/errors/, made here from the atlas's
own error classes and template, so a client sees the same form as from the app.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import render_template

from atlas.i18n import LANGUAGES
from layers.errors import AtlasError, HeadersTooLarge, MalformedRequest, UriTooLong

# What nginx may refuse by itself, as the atlas's errors (status, code, message).
REFUSALS: dict[int, AtlasError] = {
    400: MalformedRequest("The request could not be read: it is not valid HTTP."),
    414: UriTooLong("The address is longer than this atlas reads."),
    431: HeadersTooLarge("The request has more or longer header fields than this atlas reads."),
}


def write_error_pages(directory: Path) -> None:
    """Write <status>.<lang>.json and <status>.<lang>.html for every refusal nginx makes itself."""
    from atlas import create_app  # the app only renders its template here; it connects to nothing

    directory.mkdir(parents=True, exist_ok=True)
    app = create_app()
    for status, error in REFUSALS.items():
        body = {"error": {"code": error.code, "message": error.message}}
        for lang in LANGUAGES:
            (directory / f"{status}.{lang}.json").write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
            with app.test_request_context("/", query_string={"lang": lang}):
                page = render_template("errors/error.html", status=status, code=error.code, message=error.message)
            (directory / f"{status}.{lang}.html").write_text(page, encoding="utf-8")
    app.extensions["atlas.pool"].close()
