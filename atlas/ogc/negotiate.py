"""Which representation a request under /ogc asks for: `f=json|html` first, then the Accept header."""

from __future__ import annotations

from flask import request

from layers.errors import InvalidInput

FORMATS = ("json", "html")
JSON_TYPES = ("application/json", "application/geo+json", "application/schema+json", "application/vnd.oai.openapi+json")


def requested_format() -> str:
    """'json' or 'html'; a browser's Accept (text/html ahead of JSON) gets the page, anything else JSON."""
    asked = request.args.get("f")
    if asked is not None:
        if asked not in FORMATS:
            raise InvalidInput(f"f must be json or html (got '{asked[:20]}').", details={"parameter": "f"})
        return asked
    best = request.accept_mimetypes.best_match([*JSON_TYPES, "text/html"], default="application/json")
    return "html" if best == "text/html" else "json"


def wants_html() -> bool:
    """True when this request should be answered with a page (errors included); never raises."""
    try:
        return requested_format() == "html"
    except InvalidInput:
        return False
