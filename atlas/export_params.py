"""Parsing an export request's query string into an ExportRequest; every bad value is a 400 naming it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from psycopg2.extensions import connection as Connection
from werkzeug.datastructures import MultiDict

from atlas.params import parse_bbox, parse_flag
from layers.access import Access, get_visible_layers
from layers.catalogue import LAYER_ID_PATTERN, LayerDef
from layers.errors import InvalidInput
from layers.exchange.export import ExportRequest
from layers.exchange.formats import parse_format, parse_srid
from layers.exchange.selection import Selection, check_commune, parse_equals
from layers.iso19139 import OnlineLinks

# Parameters every export takes; any other one must be a field of the layer (an equality filter).
COMMON_PARAMETERS = ("format", "crs", "bbox", "commune", "background", "lang")
MAX_LAYERS = 12


def parse_layer_list(raw: str | list[str] | None) -> list[str]:
    """The `layers=a,b` list (or repeated `layers=`, as a form sends): ids, none twice, at most MAX_LAYERS."""
    joined = ",".join(raw) if isinstance(raw, list) else raw or ""
    ids = [part.strip() for part in joined.split(",") if part.strip()]
    if not ids:
        raise InvalidInput("layers must name one or more layers, e.g. layers=rivers,reservoirs.")
    twice = sorted(i for i, n in Counter(ids).items() if n > 1)
    if twice:
        raise InvalidInput(f"layers names {', '.join(twice[:3])[:80]} more than once; name each layer once.")
    if len(ids) > MAX_LAYERS:
        raise InvalidInput(f"layers must name at most {MAX_LAYERS} different layers.")
    for layer_id in ids:
        if not LAYER_ID_PATTERN.match(layer_id):
            raise InvalidInput(f"'{layer_id[:40]}' is not a layer id.")
    return ids


def _field_pairs(args: MultiDict[str, str], extra_allowed: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs = [(k, v) for k, v in args.items(multi=True) if k not in COMMON_PARAMETERS + extra_allowed]
    names = [k for k, _ in pairs]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise InvalidInput(f"Give each filter once: {', '.join(n[:40] for n in repeated)}.")
    return pairs


def _commune(conn: Connection, raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    code = raw.strip()
    if not code.isdigit() or len(code) > 5:
        raise InvalidInput(f"commune must be a commune code of up to 5 digits (got '{code[:20]}').")
    check_commune(conn, code)
    return code


def parse_export_request(
    conn: Connection,
    layer_ids: list[str],
    args: MultiDict[str, str],
    links: Callable[[LayerDef], OnlineLinks],
    extra_allowed: tuple[str, ...] = (),
    *,
    access: Access,
) -> ExportRequest:
    """The export the query string asks for, for this audience; field filters are allowed when one layer is exported."""
    layers = get_visible_layers(conn, layer_ids, access)
    fmt = parse_format(args.get("format"))
    srid = parse_srid(args.get("crs"), fmt)
    pairs = _field_pairs(args, extra_allowed)
    if pairs and len(layers) > 1:
        names = ", ".join(sorted({k[:40] for k, _ in pairs}))
        raise InvalidInput(f"Unknown parameter(s): {names}; field filters need a single layer's export.")
    bbox, commune = parse_bbox(args.get("bbox")), _commune(conn, args.get("commune"))
    selections = {layer.id: Selection(bbox, commune, parse_equals(layer, pairs)) for layer in layers}
    links_by_layer = {layer.id: links(layer) for layer in layers}
    return ExportRequest(tuple(layer_ids), fmt, srid, selections, links_by_layer, access=access)


def wants_background(args: MultiDict[str, str]) -> bool:
    """Whether the caller asked for a background job whatever the size (background=true)."""
    return parse_flag(args.get("background"), "background")
