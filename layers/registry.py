"""Registering a layer: its catalogue row, its table and, when it aggregates, its cell table."""

from __future__ import annotations

from psycopg2.extensions import connection as Connection

from layers.catalogue import LayerDef, save_layer_definition
from layers.generalise import create_cells
from layers.tables import create_layer_table


def register_layer(conn: Connection, layer: LayerDef) -> None:
    """Add or update the layer in the catalogue and create what stores and draws its features."""
    save_layer_definition(conn, layer)
    create_layer_table(conn, layer)
    create_cells(conn, layer)
