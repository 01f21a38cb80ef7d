"""Grid cells that stand for a layer's features at low zooms, kept in step with every edit.

A layer with `aggregate_below_zoom` gets a table `layercells.<id>`: for each zoom below that
one, the features are counted in a grid of cells aligned with the Web-Mercator tiles
(CELLS_PER_TILE cells along a tile side), per category of the layer's style. Statement-level
triggers with transition tables add and subtract the changed rows, so a bulk COPY costs one
aggregate and a single edit a handful of upserts; low-zoom tiles then read a few thousand
cells instead of a million features.
"""

from __future__ import annotations

from psycopg2 import sql
from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef
from layers.tables import table_identifier

CELLS_SCHEMA = "layercells"
WORLD_METRES = 40075016.685578488
HALF_WORLD = WORLD_METRES / 2


def cells_per_tile(layer: LayerDef) -> int:
    """Cells along a tile side: points cluster every 128 tile units, polygon cells are 64 units."""
    return 32 if layer.geometry_type.endswith("Point") else 64


def cells_identifier(layer: LayerDef) -> sql.Identifier:
    """The quoted name of the layer's cell table."""
    return sql.Identifier(CELLS_SCHEMA, layer.id)


def _category_sql(layer: LayerDef) -> sql.Composable:
    field = layer.style.category_field
    return sql.SQL("coalesce({}::text, '')").format(sql.Identifier(field)) if field else sql.SQL("''")


def _delta_sql(layer: LayerDef) -> sql.Composable:
    """Upsert of the cell changes of the rows in new_rows (+1) and old_rows (-1)."""
    per_tile = cells_per_tile(layer)
    cell = sql.SQL("({} / (2 ^ zz.z) / {})").format(sql.Literal(WORLD_METRES), sql.Literal(per_tile))
    source = sql.SQL(
        "SELECT ST_X(p) AS x, ST_Y(p) AS y, a, category, sign FROM ("
        " SELECT ST_Centroid(geom_3857) AS p, ST_Area(geom_3857) AS a, {cat} AS category, 1 AS sign FROM new_rows"
        " UNION ALL"
        " SELECT ST_Centroid(geom_3857), ST_Area(geom_3857), {cat}, -1 FROM old_rows) r"
    ).format(cat=_category_sql(layer))
    return sql.SQL(
        "INSERT INTO {cells} AS c (z, tx, ty, cx, cy, category, n, sum_x, sum_y, area)"
        " SELECT z, cx / {per_tile}, cy / {per_tile}, cx, cy, category, sum(sign), sum(sign * x), sum(sign * y),"
        " sum(sign * a) FROM ("
        "  SELECT zz.z, floor((r.x + {half}) / {cell})::int AS cx, floor(({half} - r.y) / {cell})::int AS cy,"
        "  r.category, r.sign, r.x, r.y, r.a"
        "  FROM ({source}) r CROSS JOIN generate_series(0, {top}) AS zz(z)"
        " ) s GROUP BY z, cx, cy, category"
        " ON CONFLICT (z, tx, ty, cx, cy, category) DO UPDATE SET n = c.n + EXCLUDED.n,"
        " sum_x = c.sum_x + EXCLUDED.sum_x, sum_y = c.sum_y + EXCLUDED.sum_y, area = c.area + EXCLUDED.area"
    ).format(
        cells=cells_identifier(layer),
        per_tile=sql.Literal(per_tile),
        half=sql.Literal(HALF_WORLD),
        cell=cell,
        source=source,
        top=sql.Literal((layer.aggregate_below_zoom or 1) - 1),
    )


def _function_sql(layer: LayerDef) -> sql.Composable:
    # Transition tables exist only for the events that define them, so the empty side is
    # stood in for by a table of the same shape with no rows.
    return sql.SQL(
        """
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF TG_OP = 'INSERT' THEN
                WITH old_rows AS (SELECT * FROM new_rows WHERE false) {delta_insert};
            ELSIF TG_OP = 'DELETE' THEN
                WITH new_rows AS (SELECT * FROM old_rows WHERE false) {delta_delete};
            ELSE
                {delta_update};
            END IF;
            DELETE FROM {cells} WHERE n <= 0;
            RETURN NULL;
        END;
        $body$
        """
    ).format(
        function=sql.Identifier(CELLS_SCHEMA, f"{layer.id}_sync"),
        delta_insert=_delta_sql(layer),
        delta_delete=_delta_sql(layer),
        delta_update=_delta_sql(layer),
        cells=cells_identifier(layer),
    )


def create_cells(conn: Connection, layer: LayerDef) -> None:
    """Create the layer's cell table and triggers, and fill it from the features already there."""
    if layer.aggregate_below_zoom is None:
        return
    cells = cells_identifier(layer)
    table = table_identifier(layer)
    function = sql.Identifier(CELLS_SCHEMA, f"{layer.id}_sync")
    with conn.cursor() as cur:
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(CELLS_SCHEMA)))
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (z smallint NOT NULL, tx integer NOT NULL, ty integer NOT NULL,"
                " cx integer NOT NULL, cy integer NOT NULL, category text NOT NULL, n bigint NOT NULL,"
                " sum_x double precision NOT NULL, sum_y double precision NOT NULL, area double precision NOT NULL,"
                " PRIMARY KEY (z, tx, ty, cx, cy, category))"
            ).format(cells)
        )
        cur.execute(
            sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (n) WHERE n <= 0").format(
                sql.Identifier(f"{layer.id}_emptied"), cells
            )
        )
        cur.execute(_function_sql(layer))
        for event, referencing in (
            ("INSERT", "NEW TABLE AS new_rows"),
            ("DELETE", "OLD TABLE AS old_rows"),
            ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ):
            cur.execute(
                sql.SQL(
                    "CREATE OR REPLACE TRIGGER {name} AFTER {event} ON {table}"
                    " REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                ).format(
                    name=sql.Identifier(f"cells_{event.lower()}"),
                    event=sql.SQL(event),
                    table=table,
                    referencing=sql.SQL(referencing),
                    function=function,
                )
            )
        reset = sql.Identifier(CELLS_SCHEMA, f"{layer.id}_reset")
        cur.execute(
            sql.SQL(
                "CREATE OR REPLACE FUNCTION {reset}() RETURNS trigger LANGUAGE plpgsql AS"
                " $body$ BEGIN TRUNCATE {cells}; RETURN NULL; END; $body$"
            ).format(reset=reset, cells=cells)
        )
        cur.execute(
            sql.SQL(
                "CREATE OR REPLACE TRIGGER cells_truncate AFTER TRUNCATE ON {table}"
                " FOR EACH STATEMENT EXECUTE FUNCTION {reset}()"
            ).format(table=table, reset=reset)
        )
        rebuild_cells(conn, layer)


def rebuild_cells(conn: Connection, layer: LayerDef) -> None:
    """Recount the layer's cells from scratch (after a TRUNCATE or a change of the rules)."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("TRUNCATE {}").format(cells_identifier(layer)))
        cur.execute(
            sql.SQL(
                "WITH new_rows AS (SELECT * FROM {table}), old_rows AS (SELECT * FROM {table} WHERE false) "
            ).format(table=table_identifier(layer))
            + _delta_sql(layer)
        )
