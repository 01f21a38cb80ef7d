"""Typed layer definitions (LayerDef, FieldDef, Style, Metadata): the single source of truth.

They are stored in the `layer` table and loaded from it; SQL, validation, exports and
TileJSON are all derived from them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from psycopg2.extensions import connection as Connection
from psycopg2.extras import Json

from layers.errors import LayerNotFound

THEMES = {
    "admin": ("Hành chính", "Administrative"),
    "water": ("Tài nguyên nước", "Water resources"),
    "biodiversity": ("Đa dạng sinh học", "Biodiversity"),
}
GEOMETRY_TYPES = ("Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon")
FIELD_TYPES = {
    "text": "text",
    "integer": "integer",
    "number": "double precision",
    "date": "date",
    "datetime": "timestamptz",
    "boolean": "boolean",
}
# Columns every layer table has besides its own fields; no field may reuse these names.
SYSTEM_COLUMNS = ("fid", "geom", "geom_3857", "version", "updated_at", "updated_by")
# How a field's values are written on pages, in popups and in exports (layers/display.py).
DISPLAY_KINDS = ("text", "code", "integer", "decimal", "year", "date", "datetime", "boolean")
# The display kind of a field that names none, by its type.
DEFAULT_DISPLAY = {
    "text": "text",
    "integer": "integer",
    "number": "decimal",
    "date": "date",
    "datetime": "datetime",
    "boolean": "boolean",
}
# Who may see a layer: everyone, or signed-in officials only (layers/access.py enforces it).
ACCESS_LEVELS = ("public", "officials")
# Sensitive features are shown to the public at the centre of a grid cell this wide (metres, EPSG:5897).
DEFAULT_GENERALISE_M = 10_000
LAYER_ID_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,62}\Z")  # \Z: "$" would let a trailing newline through
DATA_SCHEMA = "layerdata"


def theme_title(theme: str, lang: str) -> str:
    """A theme's name in the given language."""
    vi, en = THEMES[theme]
    return en if lang == "en" else vi


def localized(item: Any, name: str, lang: str) -> Any:
    """The `<name>_vi` or `<name>_en` attribute of a catalogue item; Vietnamese unless English is asked."""
    return getattr(item, f"{name}_en" if lang == "en" else f"{name}_vi")


@dataclass(frozen=True)
class DomainValue:
    """One allowed value of a coded attribute, with its labels."""

    code: str
    label_vi: str
    label_en: str


@dataclass(frozen=True)
class FieldDef:
    """One attribute of a layer: column name, type, labels, unit and constraints."""

    name: str
    type: str
    label_vi: str
    label_en: str
    unit: str | None = None
    domain: tuple[DomainValue, ...] = ()
    required: bool = False
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    in_tiles: bool = False
    searchable: bool = False
    # A feature whose value is one of these codes is sensitive: the public sees it generalised.
    generalise_codes: tuple[str, ...] = ()
    # Withheld from the public on sensitive features (attributes that could locate them).
    withheld_when_generalised: bool = False
    # How values are written (DISPLAY_KINDS; by type when None), and a decimal's fraction digits at most.
    display: str | None = None
    digits: int | None = None

    def __post_init__(self) -> None:
        if not LAYER_ID_PATTERN.match(self.name) or self.name in SYSTEM_COLUMNS:
            raise ValueError(f"invalid field name {self.name!r}")
        if self.type not in FIELD_TYPES:
            raise ValueError(f"field {self.name!r} has unknown type {self.type!r}")
        if self.display is not None and self.display not in DISPLAY_KINDS:
            raise ValueError(f"field {self.name!r} has unknown display kind {self.display!r}")
        if self.digits is not None and not 0 <= self.digits <= 10:
            raise ValueError(f"field {self.name!r} needs 0 to 10 digits")
        unknown = set(self.generalise_codes) - {v.code for v in self.domain}
        if unknown:
            raise ValueError(f"field {self.name!r} generalises codes outside its domain: {sorted(unknown)}")

    @property
    def sql_type(self) -> str:
        """The PostgreSQL column type of this field."""
        return FIELD_TYPES[self.type]

    @property
    def display_kind(self) -> str:
        """How the field's values are written: its own display kind, else the one of its type."""
        return self.display or DEFAULT_DISPLAY[self.type]

    def domain_label(self, code: Any, lang: str = "vi") -> str | None:
        """The label of a coded value in the given language, or None when it is not coded."""
        for value in self.domain:
            if value.code == code:
                return localized(value, "label", lang)
        return None


@dataclass(frozen=True)
class Category:
    """One class of a categorized style: features whose field equals `value`."""

    value: str
    color: str
    label_vi: str
    label_en: str


@dataclass(frozen=True)
class Style:
    """How a layer is drawn; categories (when set) colour features by `category_field`."""

    color: str = "#3388ff"
    width: float = 1.5
    fill_color: str | None = None
    fill_opacity: float = 0.4
    symbol: str = "circle"
    radius: float = 5.0
    dash: str | None = None
    category_field: str | None = None
    categories: tuple[Category, ...] = ()
    # Names drawn on the map: the field they come from, the first zoom they show at, and which
    # layer's names win where they would overlap (higher first).
    label_field: str | None = None
    label_min_zoom: int = 10
    label_priority: int = 0


@dataclass(frozen=True)
class Metadata:
    """The ISO 19115 core (as in QCVN 42:2020/BTNMT) that people type in.

    Extent, feature count and last-edit time are computed from the data instead.
    """

    abstract_vi: str
    abstract_en: str
    keywords_vi: tuple[str, ...]
    keywords_en: tuple[str, ...]
    topic_category: str
    lineage_vi: str
    lineage_en: str
    source_organisation: str
    contact_name: str
    contact_email: str
    contact_phone: str
    license: str
    access_constraints: str
    update_frequency: str
    temporal_start: str
    temporal_end: str | None
    reference_date: str
    reference_date_type: str = "publication"
    language: str = "vie"
    crs: str = "EPSG:4326"


@dataclass(frozen=True)
class LayerDef:
    """A layer of the atlas: identity, theme, titles, geometry, zooms, style, fields and metadata."""

    id: str
    theme: str
    title_vi: str
    title_en: str
    geometry_type: str
    fields: tuple[FieldDef, ...]
    metadata: Metadata
    style: Style = field(default_factory=Style)
    min_zoom: int = 0
    max_zoom: int = 22
    visible_by_default: bool = False
    sort_order: int = 0
    aggregate_below_zoom: int | None = None
    revision: int = 0
    access: str = "public"
    generalise_m: int = DEFAULT_GENERALISE_M

    def __post_init__(self) -> None:
        if not LAYER_ID_PATTERN.match(self.id):
            raise ValueError(f"invalid layer id {self.id!r}")
        if self.access not in ACCESS_LEVELS:
            raise ValueError(f"layer {self.id!r} has unknown access level {self.access!r}")
        if self.generalise_m <= 0:
            raise ValueError(f"layer {self.id!r} needs a positive generalisation grid")
        if self.theme not in THEMES:
            raise ValueError(f"layer {self.id!r} has unknown theme {self.theme!r}")
        if self.geometry_type not in GEOMETRY_TYPES:
            raise ValueError(f"layer {self.id!r} has unknown geometry type {self.geometry_type!r}")
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"layer {self.id!r} has duplicate field names")

    @property
    def table(self) -> tuple[str, str]:
        """Schema and table name of the layer's features."""
        return (DATA_SCHEMA, self.id)

    def field(self, name: str) -> FieldDef | None:
        """The field called `name`, or None."""
        return next((f for f in self.fields if f.name == name), None)

    def title(self, lang: str = "vi") -> str:
        """The layer title in the given language."""
        return localized(self, "title", lang)

    @property
    def geometry_kind(self) -> str:
        """'point', 'line' or 'polygon', whether single or multi."""
        if self.geometry_type.endswith("Point"):
            return "point"
        return "line" if self.geometry_type.endswith("LineString") else "polygon"


def _field_from_json(data: dict) -> FieldDef:
    domain = tuple(DomainValue(**value) for value in data.pop("domain", ()))
    codes = tuple(data.pop("generalise_codes", ()))
    return FieldDef(domain=domain, generalise_codes=codes, **data)


def _style_from_json(data: dict) -> Style:
    categories = tuple(Category(**c) for c in data.pop("categories", ()))
    return Style(categories=categories, **data)


def _metadata_from_json(data: dict) -> Metadata:
    data["keywords_vi"] = tuple(data.get("keywords_vi", ()))
    data["keywords_en"] = tuple(data.get("keywords_en", ()))
    return Metadata(**data)


SELECT_LAYERS = (
    "SELECT id, theme, title_vi, title_en, geometry_type, min_zoom, max_zoom, visible_by_default,"
    " sort_order, aggregate_below_zoom, style, fields, metadata, revision, access, generalise_m FROM layer"
)


def _layer_from_row(row: tuple) -> LayerDef:
    (lid, theme, title_vi, title_en, gtype, min_zoom, max_zoom, visible, order, aggregate, style, fields, meta, rev) = (
        row[:14]
    )
    access, generalise_m = row[14:]
    return LayerDef(
        id=lid,
        theme=theme,
        title_vi=title_vi,
        title_en=title_en,
        geometry_type=gtype,
        min_zoom=min_zoom,
        max_zoom=max_zoom,
        visible_by_default=visible,
        sort_order=order,
        aggregate_below_zoom=aggregate,
        style=_style_from_json(dict(style)),
        fields=tuple(_field_from_json(dict(f)) for f in fields),
        metadata=_metadata_from_json(dict(meta)),
        revision=rev,
        access=access,
        generalise_m=generalise_m,
    )


def list_layers(conn: Connection) -> list[LayerDef]:
    """All layers of the catalogue, ordered by theme and sort order."""
    with conn.cursor() as cur:
        cur.execute(SELECT_LAYERS + " ORDER BY sort_order, id")
        return [_layer_from_row(row) for row in cur.fetchall()]


def get_layer(conn: Connection, layer_id: str) -> LayerDef:
    """The layer with this id; raises LayerNotFound for any id not in the catalogue."""
    return get_layers(conn, [layer_id])[0]


# Parsed definitions by (database, layer id), with the row version (xmin) they were read at.
# Any change of the row, a revision bump included, gives it a new xmin, so an entry whose xmin
# still matches is exactly the row; the tile path then skips fetching and parsing the JSON.
_definitions: dict[tuple[str, str], tuple[str, LayerDef]] = {}


def get_layers(conn: Connection, layer_ids: list[str]) -> list[LayerDef]:
    """The layers with these ids, in this order; raises LayerNotFound for the first id not in the catalogue."""
    for layer_id in layer_ids:
        if not LAYER_ID_PATTERN.match(layer_id):
            raise LayerNotFound(layer_id)
    with conn.cursor() as cur:
        cur.execute("SELECT id, xmin::text FROM layer WHERE id = ANY(%s)", (list(layer_ids),))
        row_versions = dict(cur.fetchall())
        for layer_id in layer_ids:
            if layer_id not in row_versions:
                raise LayerNotFound(layer_id)
        stale = [i for i in layer_ids if _definitions.get((conn.dsn, i), ("",))[0] != row_versions[i]]
        if stale:
            cur.execute(SELECT_LAYERS + " WHERE id = ANY(%s)", (stale,))
            for row in cur.fetchall():
                _definitions[(conn.dsn, row[0])] = (row_versions[row[0]], _layer_from_row(row))
    return [_definitions[(conn.dsn, layer_id)][1] for layer_id in layer_ids]


def known_layers(dsn: str, layer_ids: list[str]) -> tuple[list[LayerDef], tuple[str, ...]] | None:
    """The definitions already read from the database at `dsn`, with their row versions; None if one is missing.

    The tile path checks the row versions in its own statement instead of asking the catalogue first.
    """
    entries = [_definitions.get((dsn, layer_id)) for layer_id in layer_ids]
    if None in entries:
        return None
    return [entry[1] for entry in entries if entry], tuple(entry[0] for entry in entries if entry)


def save_layer_definition(conn: Connection, layer: LayerDef) -> None:
    """Insert or update the catalogue row of a layer; an update starts its tiles afresh."""
    style = asdict(layer.style)
    fields = [asdict(f) for f in layer.fields]
    meta = asdict(layer.metadata)
    with conn.cursor() as cur:
        cur.execute(
            """
            INSERT INTO layer (id, theme, title_vi, title_en, geometry_type, min_zoom, max_zoom,
                               visible_by_default, sort_order, aggregate_below_zoom, style, fields, metadata,
                               access, generalise_m)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            ON CONFLICT (id) DO UPDATE SET
                theme = EXCLUDED.theme, title_vi = EXCLUDED.title_vi, title_en = EXCLUDED.title_en,
                geometry_type = EXCLUDED.geometry_type, min_zoom = EXCLUDED.min_zoom,
                max_zoom = EXCLUDED.max_zoom, visible_by_default = EXCLUDED.visible_by_default,
                sort_order = EXCLUDED.sort_order, aggregate_below_zoom = EXCLUDED.aggregate_below_zoom,
                style = EXCLUDED.style, fields = EXCLUDED.fields,
                metadata = EXCLUDED.metadata, access = EXCLUDED.access, generalise_m = EXCLUDED.generalise_m,
                -- A new definition may draw every tile differently (fields, zooms, cells).
                revision = layer.revision + 1, tiles_base_revision = layer.revision + 1
            """,
            (
                layer.id,
                layer.theme,
                layer.title_vi,
                layer.title_en,
                layer.geometry_type,
                layer.min_zoom,
                layer.max_zoom,
                layer.visible_by_default,
                layer.sort_order,
                layer.aggregate_below_zoom,
                Json(style),
                Json(fields),
                Json(meta),
                layer.access,
                layer.generalise_m,
            ),
        )
