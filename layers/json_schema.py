"""A layer's attributes as JSON Schema (draft 2020-12), built from its FieldDefs: the OGC queryables and the
feature schemas of the OpenAPI document read this one description."""

from __future__ import annotations

from typing import Any

from layers.catalogue import FieldDef, LayerDef

_TYPES = {
    "text": {"type": "string"},
    "integer": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "boolean": {"type": "boolean"},
}
# How the OGC API names each geometry type in a schema (Part 3's geometry formats).
GEOMETRY_FORMATS = {
    "Point": "geometry-point",
    "MultiPoint": "geometry-multipoint",
    "LineString": "geometry-linestring",
    "MultiLineString": "geometry-multilinestring",
    "Polygon": "geometry-polygon",
    "MultiPolygon": "geometry-multipolygon",
}


def field_schema(field_def: FieldDef, lang: str = "vi", *, openapi_nullable: bool = False) -> dict[str, Any]:
    """One attribute: type, title in `lang`, the other language's label, unit, domain, length and range.

    With `openapi_nullable` an empty value is allowed the way OpenAPI 3.0 says it (`nullable`).
    """
    schema: dict[str, Any] = {"title": field_def.label_en if lang == "en" else field_def.label_vi}
    schema["description"] = field_def.label_vi if lang == "en" else field_def.label_en
    schema |= _TYPES[field_def.type]
    if openapi_nullable:
        schema["nullable"] = True
    if field_def.domain:
        schema["enum"] = [value.code for value in field_def.domain] + ([None] if openapi_nullable else [])
        schema["x-atlas-labels"] = {
            value.code: value.label_en if lang == "en" else value.label_vi for value in field_def.domain
        }
    if field_def.max_length is not None:
        schema["maxLength"] = field_def.max_length
    if field_def.minimum is not None:
        schema["minimum"] = field_def.minimum
    if field_def.maximum is not None:
        schema["maximum"] = field_def.maximum
    if field_def.unit:
        schema["x-ogc-unit"] = field_def.unit
    return schema


def queryables(layer: LayerDef, schema_id: str, lang: str = "vi") -> dict[str, Any]:
    """The queryables document of a layer: every field (each one filters by equality) and its geometry."""
    properties: dict[str, Any] = {
        "geometry": {
            "title": "Hình học" if lang != "en" else "Geometry",
            "format": GEOMETRY_FORMATS[layer.geometry_type],
        }
    }
    properties |= {f.name: field_schema(f, lang) for f in layer.fields}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": schema_id,
        "type": "object",
        "title": layer.title(lang),
        "properties": properties,
        "additionalProperties": False,
    }


def properties_schema(layer: LayerDef, lang: str = "vi") -> dict[str, Any]:
    """The `properties` of the layer's features as an OpenAPI 3.0 schema (a field may be empty: null)."""
    return {
        "type": "object",
        "properties": {f.name: field_schema(f, lang, openapi_nullable=True) for f in layer.fields},
    }
