"""Headers every response carries so browsers do not sniff types, frame the atlas, or leak full URLs."""

from __future__ import annotations

from flask import Flask, Response

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # No other site may put the atlas in a frame (clickjacking of the editor's buttons).
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_security_headers(app: Flask) -> None:
    """Add the headers to every response, errors included."""
    app.after_request(_add_headers)
