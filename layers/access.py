"""Who may see what: the public, or signed-in officials, decided once per request and passed down.

The catalogue says it: a layer's `access` ("public" or "officials"), and per field the codes that
make a feature sensitive (`generalise_codes`) and the attributes withheld from the public on such
features (`withheld_when_generalised`). The public sees a sensitive feature at the centre of its
`generalise_m` grid cell (SQL function atlas_grid_centre), so tiles, the API, search, pages and
exports all read the same SQL expressions from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import FieldDef, LayerDef, get_layers, list_layers
from layers.errors import LayerNotFound

# Degrees that surely cover the distance from a point to its generalised position (the cell's
# half-diagonal, 0.07° for 10 km cells): lets an index narrow the rows before the exact test.
DEGREES_PER_METRE_MARGIN = 1 / 50_000


@dataclass(frozen=True)
class Access:
    """The audience of a request: the public (exact data of sensitive features withheld) or an official."""

    official: bool

    @property
    def name(self) -> str:
        """'official' or 'public', for cache keys and logs."""
        return "official" if self.official else "public"


PUBLIC = Access(official=False)
OFFICIAL = Access(official=True)


def may_see(layer: LayerDef, access: Access) -> bool:
    """Whether the audience may know the layer exists."""
    return access.official or layer.access == "public"


def visible_layers(layers: list[LayerDef], access: Access) -> list[LayerDef]:
    """The layers the audience may see, in their order."""
    return [layer for layer in layers if may_see(layer, access)]


def check_visible(layers: list[LayerDef], access: Access) -> list[LayerDef]:
    """The layers, or LayerNotFound for the first one the audience may not see.

    Not found rather than forbidden: the public must not learn that an officials-only layer exists.
    """
    for layer in layers:
        if not may_see(layer, access):
            raise LayerNotFound(layer.id)
    return layers


def visible_catalogue(conn: Connection, access: Access) -> list[LayerDef]:
    """The catalogue as the audience may see it."""
    return visible_layers(list_layers(conn), access)


def get_visible_layers(conn: Connection, layer_ids: list[str], access: Access) -> list[LayerDef]:
    """The layers with these ids; LayerNotFound for an id not in the catalogue or not for this audience."""
    return check_visible(get_layers(conn, layer_ids), access)


def get_visible_layer(conn: Connection, layer_id: str, access: Access) -> LayerDef:
    """The layer with this id; LayerNotFound unless it is in the catalogue and for this audience."""
    return get_visible_layers(conn, [layer_id], access)[0]


def has_rules(layer: LayerDef) -> bool:
    """Whether some of the layer's features are generalised for the public."""
    return any(f.generalise_codes for f in layer.fields)


def generalises(layer: LayerDef, access: Access) -> bool:
    """Whether this audience sees the layer's sensitive features generalised."""
    return not access.official and has_rules(layer)


def withheld_fields(layer: LayerDef, access: Access) -> tuple[FieldDef, ...]:
    """The fields this audience never sees on sensitive features."""
    if not generalises(layer, access):
        return ()
    return tuple(f for f in layer.fields if f.withheld_when_generalised)


def searchable_fields(layer: LayerDef, access: Access) -> list[FieldDef]:
    """The fields text search may look in for this audience (never one withheld from it)."""
    hidden = withheld_fields(layer, access)
    return [f for f in layer.fields if f.searchable and f not in hidden]


def _column(alias: str | None, name: str) -> sql.Identifier:
    return sql.Identifier(alias, name) if alias else sql.Identifier(name)


def sensitive_fields_sql(fields: tuple[FieldDef, ...], alias: str | None = None) -> sql.Composable:
    """A boolean SQL expression: a row with these fields is a sensitive feature (false when no field has rules)."""
    tests = [
        sql.SQL("coalesce({} = ANY({}::text[]), false)").format(
            _column(alias, f.name), sql.Literal(list(f.generalise_codes))
        )
        for f in fields
        if f.generalise_codes
    ]
    return sql.SQL("({})").format(sql.SQL(" OR ").join(tests)) if tests else sql.SQL("false")


def sensitive_sql(layer: LayerDef, alias: str | None = None) -> sql.Composable:
    """A boolean SQL expression: the row is one of the layer's sensitive features."""
    return sensitive_fields_sql(layer.fields, alias)


def grid_centre_3857_sql(generalise_m: int) -> sql.Composable:
    """A sensitive row's public position in Web Mercator; an index on this very expression finds them by it."""
    return sql.SQL("ST_Transform(atlas_grid_centre(geom, {}), 3857)").format(sql.Literal(generalise_m))


def grid_cell_sql(generalise_m: int) -> sql.Composable:
    """The cell (column, row) of a column `p` holding PROJECTED_FOR_CELLS, binned as atlas_grid_centre bins it.

    Rows of one cell share one centre, so a centre per cell is enough where only the set of centres
    matters. Must follow atlas_grid_centre (sql/008_sensitive_access.sql): PointOnSurface, 5897, floor.
    """
    cell = sql.SQL("{}::double precision").format(sql.Literal(generalise_m))
    return sql.SQL("floor(ST_X(p) / {cell}), floor(ST_Y(p) / {cell})").format(cell=cell)


# The position grid_cell_sql bins: a row's point on surface in EPSG:5897, as atlas_grid_centre takes it.
PROJECTED_FOR_CELLS = sql.SQL("ST_Transform(ST_PointOnSurface(geom), 5897)")


def public_point_3857_sql(fields: tuple[FieldDef, ...], generalise_m: int, exact: sql.Composable) -> sql.Composable:
    """The Web-Mercator geometry the public sees, of a row of a table with `geom`: `exact` unless sensitive."""
    return sql.SQL("(CASE WHEN {sensitive} THEN {centre} ELSE {exact} END)").format(
        sensitive=sensitive_fields_sql(fields), centre=grid_centre_3857_sql(generalise_m), exact=exact
    )


def withheld_value_sql(field: FieldDef, sensitive: sql.Composable, column: sql.Composable) -> sql.Composable:
    """`column`, or NULL where `sensitive` holds when the field is withheld from the public."""
    if not field.withheld_when_generalised:
        return column
    return sql.SQL("(CASE WHEN {} THEN NULL ELSE {} END)").format(sensitive, column)


def geometry_sql(layer: LayerDef, access: Access, alias: str | None = None, column: str = "geom") -> sql.Composable:
    """The geometry this audience sees: exact, or a sensitive feature's grid-cell centre."""
    exact = _column(alias, column)
    if not generalises(layer, access):
        return exact
    return sql.SQL("(CASE WHEN {sensitive} THEN atlas_grid_centre({exact}, {cell}) ELSE {exact} END)").format(
        sensitive=sensitive_sql(layer, alias), exact=exact, cell=sql.Literal(layer.generalise_m)
    )


def exact_unless_generalised_sql(layer: LayerDef, access: Access, alias: str | None = None) -> sql.Composable:
    """The exact geometry, or NULL where this audience sees the feature generalised.

    For facts derived from a position (the river a feature is on, its commune): the grid-cell centre
    would name a wrong place, and the exact one must not be told.
    """
    exact = _column(alias, "geom")
    if not generalises(layer, access):
        return exact
    return sql.SQL("(CASE WHEN {} THEN NULL ELSE {} END)").format(sensitive_sql(layer, alias), exact)


def value_sql(layer: LayerDef, field: FieldDef, access: Access, alias: str | None = None) -> sql.Composable:
    """The column of `field` as this audience sees it: NULL on sensitive features when withheld."""
    column = _column(alias, field.name)
    if not generalises(layer, access):
        return column
    return withheld_value_sql(field, sensitive_sql(layer, alias), column)


def margin_degrees(layer: LayerDef) -> float:
    """How far (degrees) a public position may lie from the exact one; bbox filters widen the index test by it."""
    return layer.generalise_m * DEGREES_PER_METRE_MARGIN


def within_envelope_sql(
    layer: LayerDef, access: Access, envelope: sql.Composable, alias: str | None = None
) -> tuple[sql.Composable, int]:
    """`geometry && envelope` on what this audience sees, still narrowed by the geometry's index.

    Returns the test and how many times the envelope's parameters must be passed to it.
    """
    exact = _column(alias, "geom")
    if not generalises(layer, access):
        return sql.SQL("{} && {}").format(exact, envelope), 1
    test = sql.SQL("({exact} && ST_Expand({envelope}, {margin}) AND {seen} && {envelope})").format(
        exact=exact,
        envelope=envelope,
        margin=sql.Literal(margin_degrees(layer)),
        seen=geometry_sql(layer, access, alias),
    )
    return test, 2
