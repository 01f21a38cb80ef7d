"""The landing page, conformance, the collections and their queryables."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from atlas.auth import request_access
from atlas.i18n import current_language
from atlas.ogc import bp
from atlas.ogc.documents import (
    SCHEMA,
    collection_document,
    collections_document,
    conformance_document,
    landing_document,
)
from atlas.ogc.params import COMMON, check_names
from atlas.ogc.respond import answer, self_links
from atlas.requestdb import request_connection
from layers.access import get_visible_layer, visible_catalogue
from layers.json_schema import queryables
from layers.stats import layer_stats


@bp.get("")
@bp.get("/")
def landing():
    """The landing page: where the API definition, conformance and collections are."""
    check_names(COMMON)
    title = _("Atlas điện tử tỉnh Thanh Hóa")
    description = _("Các lớp dữ liệu tài nguyên nước và đa dạng sinh học theo chuẩn OGC API – Features.")
    return answer(landing_document(title, description), "ogc/landing.html")


@bp.get("/conformance")
def conformance():
    """The conformance classes."""
    check_names(COMMON)
    return answer(conformance_document(), "ogc/conformance.html")


@bp.get("/collections")
def collections():
    """Every layer as a collection."""
    check_names(COMMON)
    conn = request_connection()
    access = request_access()
    entries = [(layer, layer_stats(conn, layer, access)) for layer in visible_catalogue(conn, access)]
    return answer(collections_document(entries, current_language()), "ogc/collections.html")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One collection with extent, CRS list and links."""
    check_names(COMMON)
    conn = request_connection()
    access = request_access()
    layer = get_visible_layer(conn, collection_id, access)
    document = collection_document(layer, layer_stats(conn, layer, access), current_language())
    return answer(document, "ogc/collection.html", layer=layer)


@bp.get("/collections/<collection_id>/queryables")
def collection_queryables(collection_id: str):
    """The layer's attributes as JSON Schema: labels, units and domains from its fields."""
    check_names(COMMON)
    layer = get_visible_layer(request_connection(), collection_id, request_access())
    schema_id = url_for(".collection_queryables", collection_id=layer.id, _external=True)
    document = queryables(layer, schema_id, current_language()) | {"links": self_links(SCHEMA)}
    return answer(document, "ogc/queryables.html", SCHEMA, layer=layer)
