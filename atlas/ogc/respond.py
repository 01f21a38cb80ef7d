"""Answers of the OGC API: the same document as JSON or as an atlas page, with self and alternate links."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from flask import Response, render_template, request, url_for

from atlas.ogc.negotiate import requested_format

HTML = "text/html"
JSON = "application/json"
GEOJSON = "application/geo+json"


def page_url(fmt: str | None = None, **changes: Any) -> str:
    """This request's URL with `f` (and any other arguments) set; the query goes in as text, never to url_for."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "f" and k not in changes]
    args += [(k, str(v)) for k, v in changes.items() if v is not None]
    if fmt is not None:
        args.append(("f", fmt))
    base = url_for(request.endpoint or "ogc.landing", **(request.view_args or {}), _external=True)
    return base + ("?" + urlencode(args) if args else "")


def self_links(json_type: str = JSON) -> list[dict[str, str]]:
    """`self` in the format answered and `alternate` in the other, each with its media type."""
    html = requested_format() == "html"
    json_link = {"href": page_url("json"), "type": json_type, "title": "JSON"}
    html_link = {"href": page_url("html"), "type": HTML, "title": "HTML"}
    first, second = (html_link, json_link) if html else (json_link, html_link)
    return [first | {"rel": "self"}, second | {"rel": "alternate"}]


def link(rel: str, endpoint: str, media_type: str, title: str, fmt: str | None = "json", **values: Any) -> dict:
    """A link to another OGC page in the given format."""
    href = url_for(endpoint, _external=True, **values)
    return {"rel": rel, "type": media_type, "title": title, "href": href + (f"?f={fmt}" if fmt else "")}


def answer(document: dict[str, Any], template: str, media_type: str = JSON, **context: Any) -> Response:
    """The document as JSON in `media_type`, or rendered by `template` when a page was asked for."""
    if requested_format() == "html":
        response = Response(render_template(template, doc=document, **context), mimetype=HTML)
    else:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str)
        response = Response(body, content_type=media_type)
    response.vary.add("Accept")  # without f=, the same URL is a page for browsers and JSON for clients
    return response
