"""The OpenAPI 3.0 document of /ogc, generated from the catalogue: one set of paths per layer, with the
layer's own fields as query parameters and as the schema of its features' properties."""

from __future__ import annotations

from typing import Any

from layers.catalogue import LayerDef
from layers.crs import offered_crs
from layers.features import time_field
from layers.json_schema import field_schema, properties_schema

_ERROR = {"$ref": "#/components/responses/Error"}
_JSON_OBJECT = {"type": "object"}
GEOJSON = "application/geo+json"
STATUS_TEXT = {
    304: "Not modified",
    400: "Bad request: the message names the parameter",
    401: "Sign-in needed (Basic or Bearer)",
    403: "This account may not edit the layer",
    404: "No such collection or feature",
    406: "Not acceptable",
    412: "The feature changed since the If-Match version",
    413: "Body too large",
    415: "Unsupported media type",
    422: "The feature breaks the layer's schema",
    428: "If-Match is required",
    429: "Too many failed sign-ins",
}


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(status): _ERROR | {"description": STATUS_TEXT[status]} for status in statuses} | {
        "503": _ERROR,
        "500": _ERROR,
    }


def _query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description} | extra


def _common_parameters() -> list[dict[str, Any]]:
    return [
        _query("f", {"type": "string", "enum": ["json", "html"]}, "The representation (default by Accept: JSON)."),
        _query("lang", {"type": "string", "enum": ["vi", "en"]}, "Language of titles, pages and messages."),
    ]


def _crs_parameter(name: str) -> dict[str, Any]:
    return _query(name, {"type": "string", "enum": [c.uri for c in offered_crs()]}, f"{name} (Part 2); default CRS84.")


def _items_parameters(layer: LayerDef) -> list[dict[str, Any]]:
    parameters = [
        *_common_parameters(),
        _query("limit", {"type": "integer", "minimum": 1}, "Features per page; larger values are clamped."),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": 10_000_000}, "Features to skip."),
        _query(
            "bbox",
            {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}},
            "Lower and upper corner in bbox-crs (CRS84: lon,lat).",
            style="form",
            explode=False,
        ),
        _crs_parameter("bbox-crs"),
        _crs_parameter("crs"),
    ]
    field = time_field(layer)
    if field is not None:
        parameters.append(_query("datetime", {"type": "string"}, f"An instant or interval of {field.name} (RFC 3339)."))
    parameters += [_query(f.name, field_schema(f, "en"), f"Equal to this value of {f.label_en}.") for f in layer.fields]
    return parameters


def _feature_schema(layer: LayerDef) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "integer"},
            "geometry": {"$ref": "#/components/schemas/Geometry"},
            "properties": properties_schema(layer, "en"),
            "version": {"type": "integer"},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    }


def _content(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {media_type: {"schema": schema}, "text/html": {"schema": {"type": "string"}}}


def _read(summary: str, schema: dict[str, Any], parameters: list, media_type: str = "application/json", *errors: int):
    return {
        "summary": summary,
        "parameters": parameters,
        "responses": {
            "200": {"description": summary, "content": _content(schema, media_type)},
            **_errors(400, 404, *errors),
        },
    }


def _writes(layer: LayerDef, name: str) -> dict[str, dict[str, Any]]:
    """Part 4 operations of the layer, on the collection (POST) and on one feature (PUT, PATCH, DELETE)."""
    body = {"required": True, "content": {GEOJSON: {"schema": {"$ref": f"#/components/schemas/{name}"}}}}
    patch_body = {"required": True, "content": {"application/merge-patch+json": {"schema": _JSON_OBJECT}}}
    if_match = {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}}
    feature = {"description": "The feature as written", "content": {"application/json": {"schema": _JSON_OBJECT}}}
    security: list[dict[str, list[str]]] = [{"basic": []}, {"bearer": []}]
    write_errors = _errors(400, 401, 403, 404, 412, 413, 415, 422, 428, 429)
    return {
        "post": {
            "summary": f"Add a feature to {layer.id}",
            "security": security,
            "requestBody": body,
            "responses": {"201": feature | {"description": "Created"}, **write_errors},
        },
        "put": {
            "summary": "Replace a feature",
            "security": security,
            "parameters": [if_match],
            "requestBody": body,
            "responses": {"200": feature, **write_errors},
        },
        "patch": {
            "summary": "Merge-patch a feature",
            "security": security,
            "parameters": [if_match],
            "requestBody": patch_body,
            "responses": {"200": feature, **write_errors},
        },
        "delete": {
            "summary": "Delete a feature",
            "security": security,
            "parameters": [if_match],
            "responses": {"204": {"description": "Deleted"}, **write_errors},
        },
    }


def _options(summary: str) -> dict[str, Any]:
    allow = {"Allow": {"description": "The methods this user may use", "schema": {"type": "string"}}}
    return {
        "summary": summary,
        "responses": {"204": {"description": summary, "headers": allow}, **_errors(400, 401, 404)},
    }


def _layer_paths(layer: LayerDef) -> dict[str, Any]:
    name = f"Feature_{layer.id}"
    base = f"/collections/{layer.id}"
    writes = _writes(layer, name)
    feature_id = {"name": "featureId", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
    collection_ref = {"$ref": "#/components/schemas/Collection"}
    items_schema = {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}},
            "numberMatched": {"type": "integer"},
            "numberReturned": {"type": "integer"},
        },
    }
    item_read = _read(
        layer.title("en"),
        {"$ref": f"#/components/schemas/{name}"},
        [*_common_parameters(), _crs_parameter("crs")],
        GEOJSON,
        304,
    )
    return {
        base: {"get": _read(layer.title("en"), collection_ref, _common_parameters())},
        f"{base}/queryables": {
            "get": _read("Queryables", _JSON_OBJECT, _common_parameters(), "application/schema+json")
        },
        f"{base}/items": {
            "get": _read(f"Features of {layer.id}", items_schema, _items_parameters(layer), GEOJSON),
            "post": writes["post"],
            "options": _options("Methods on the collection"),
        },
        f"{base}/items/{{featureId}}": {
            "parameters": [feature_id],
            "get": item_read,
            "put": writes["put"],
            "patch": writes["patch"],
            "delete": writes["delete"],
            "options": _options("Methods on the feature"),
        },
    }


def _components(layers: list[LayerDef]) -> dict[str, Any]:
    link = {
        "type": "object",
        "required": ["href"],
        "properties": {
            "href": {"type": "string"},
            "rel": {"type": "string"},
            "type": {"type": "string"},
            "title": {"type": "string"},
        },
    }
    error = {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
            }
        },
    }
    schemas: dict[str, Any] = {
        "Link": link,
        "Error": error,
        "Geometry": {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}},
        "Collection": {
            "type": "object",
            "required": ["id", "links"],
            "properties": {
                "id": {"type": "string"},
                "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
            },
        },
    }
    schemas |= {f"Feature_{layer.id}": _feature_schema(layer) for layer in layers}
    return {
        "schemas": schemas,
        "responses": {
            "Error": {
                "description": "An error",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Error"}},
                    "text/html": {"schema": {"type": "string"}},
                },
            }
        },
        "securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "bearer": {"type": "http", "scheme": "bearer"},
        },
    }


def openapi_document(layers: list[LayerDef], server_url: str, title: str) -> dict[str, Any]:
    """The whole OpenAPI 3.0 document for these layers, served from `server_url` (the /ogc root)."""
    links_doc = {
        "type": "object",
        "required": ["links"],
        "properties": {"links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}}},
    }
    paths: dict[str, Any] = {
        "/": {"get": _read("Landing page", links_doc, _common_parameters())},
        "/conformance": {
            "get": _read("Conformance classes", {"type": "object", "required": ["conformsTo"]}, _common_parameters())
        },
        "/collections": {
            "get": _read("Collections", {"type": "object", "required": ["collections"]}, _common_parameters())
        },
    }
    for layer in layers:
        paths |= _layer_paths(layer)
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": "1.0.0", "description": "OGC API – Features, Parts 1, 2 and 4."},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": _components(layers),
    }
