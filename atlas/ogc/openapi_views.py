"""The API definition (service-desc, OpenAPI 3.0 JSON) and its browsable documentation (service-doc)."""

from __future__ import annotations

import json

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from atlas.auth import request_access
from atlas.ogc import bp
from atlas.ogc.documents import OPENAPI
from atlas.ogc.negotiate import requested_format
from atlas.ogc.openapi import openapi_document
from atlas.ogc.params import COMMON, check_names
from atlas.requestdb import request_connection
from layers.access import visible_catalogue


@bp.get("/api")
def openapi():
    """The OpenAPI 3.0 document, generated from the catalogue."""
    check_names(COMMON)
    # The document is JSON whatever the Accept; f=html asks for its browsable form, and any other f is refused.
    if request.args.get("f") is not None and requested_format() == "html":
        return redirect(url_for("ogc.service_doc"), code=303)
    server = url_for("ogc.landing", _external=True).rstrip("/")
    # Generated for the audience: an officials-only layer has no paths in the public's document.
    layers = visible_catalogue(request_connection(), request_access())
    document = openapi_document(layers, server, _("Atlas điện tử tỉnh Thanh Hóa"))
    return Response(json.dumps(document, ensure_ascii=False), content_type=OPENAPI)


@bp.get("/api.html")
def service_doc():
    """The API documentation, browsable (Swagger UI, served by the atlas itself)."""
    check_names(COMMON)
    return render_template("ogc/service_doc.html", openapi_url=url_for("ogc.openapi"))
