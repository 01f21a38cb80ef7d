"""The JSON documents of the OGC API's resources (landing page, conformance, collections), from the catalogue."""

from __future__ import annotations

from typing import Any

from flask import url_for

from atlas.ogc.respond import GEOJSON, HTML, JSON, link, self_links
from layers.catalogue import LayerDef
from layers.crs import CRS84_URI, offered_crs
from layers.stats import LayerStats

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
SCHEMA = "application/schema+json"
_OAF = "http://www.opengis.net/spec/ogcapi-features"
CONFORMANCE = [
    f"{_OAF}-1/1.0/conf/core",
    f"{_OAF}-1/1.0/conf/oas30",
    f"{_OAF}-1/1.0/conf/html",
    f"{_OAF}-1/1.0/conf/geojson",
    f"{_OAF}-2/1.0/conf/crs",
    f"{_OAF}-3/1.0/conf/queryables",
    f"{_OAF}-3/1.0/conf/queryables-query-parameters",
    f"{_OAF}-4/1.0/conf/create-replace-delete",
    f"{_OAF}-4/1.0/conf/update",
    f"{_OAF}-4/1.0/conf/optimistic-locking-etags",
    f"{_OAF}-4/1.0/conf/features",
]
# Licences the catalogue names, and where their text is.
LICENSE_URLS = {"CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/"}


def landing_document(title: str, description: str) -> dict[str, Any]:
    """The landing page: links to the API definition, its documentation, conformance and the collections."""
    return {
        "title": title,
        "description": description,
        "links": [
            *self_links(),
            {
                "rel": "service-desc",
                "type": OPENAPI,
                "title": "OpenAPI 3.0",
                "href": url_for("ogc.openapi", _external=True),
            },
            {"rel": "service-doc", "type": HTML, "title": "API", "href": url_for("ogc.service_doc", _external=True)},
            link("conformance", "ogc.conformance", JSON, "Conformance"),
            link("data", "ogc.collections", JSON, "Collections"),
        ],
    }


def conformance_document() -> dict[str, Any]:
    """The conformance classes the atlas implements."""
    return {"links": self_links(), "conformsTo": CONFORMANCE}


def _temporal(layer: LayerDef) -> list[str | None]:
    def moment(day: str | None) -> str | None:
        return f"{day}T00:00:00Z" if day and len(day) == 10 else day

    return [moment(layer.metadata.temporal_start), moment(layer.metadata.temporal_end)]


def collection_document(layer: LayerDef, stats: LayerStats, lang: str, *, listed: bool = False) -> dict[str, Any]:
    """One collection: titles, extent, CRS list, and links to its items, queryables, licence and metadata.

    Listed in /collections, its `self` is the collection's own URL rather than the page being answered.
    """
    if listed:
        links = [link("self", "ogc.collection", JSON, layer.title(lang), collection_id=layer.id)]
    else:
        links = self_links()
    links += [
        link("items", "ogc.items", GEOJSON, layer.title(lang), collection_id=layer.id),
        link("items", "ogc.items", HTML, layer.title(lang), fmt="html", collection_id=layer.id),
        link(
            "http://www.opengis.net/def/rel/ogc/1.0/queryables",
            "ogc.collection_queryables",
            SCHEMA,
            "Queryables",
            collection_id=layer.id,
        ),
        link("describedby", "pages.metadata_xml", "application/xml", "ISO 19139", fmt=None, layer_id=layer.id),
        link("describedby", "pages.layer", HTML, layer.title(lang), fmt=None, layer_id=layer.id),
    ]
    if layer.metadata.license in LICENSE_URLS:
        links.append(
            {
                "rel": "license",
                "type": HTML,
                "title": layer.metadata.license,
                "href": LICENSE_URLS[layer.metadata.license],
            }
        )
    extent: dict[str, Any] = {"spatial": {"bbox": [list(stats.bbox)] if stats.bbox else [], "crs": CRS84_URI}}
    extent["temporal"] = {"interval": [_temporal(layer)], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return {
        "id": layer.id,
        "title": layer.title(lang),
        "description": layer.metadata.abstract_en if lang == "en" else layer.metadata.abstract_vi,
        "keywords": list(layer.metadata.keywords_en if lang == "en" else layer.metadata.keywords_vi),
        "itemType": "feature",
        "links": links,
        "extent": extent,
        "crs": [choice.uri for choice in offered_crs()],
        "storageCrs": CRS84_URI,
        "numberOfFeatures": stats.feature_count,
    }


def collections_document(entries: list[tuple[LayerDef, LayerStats]], lang: str) -> dict[str, Any]:
    """Every layer as a collection, with the CRSs any of them offers."""
    return {
        "links": self_links(),
        "crs": [choice.uri for choice in offered_crs()],
        "collections": [collection_document(layer, stats, lang, listed=True) for layer, stats in entries],
    }
