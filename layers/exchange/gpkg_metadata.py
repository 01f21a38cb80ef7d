"""The layer's ISO 19139 metadata in a GeoPackage's gpkg_metadata tables (GeoPackage 1.3, metadata extension).

GDAL writes its own metadata format there; the ISO document is added with sqlite3 once GDAL has
closed the file, with the table and extension rows the specification asks for.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

ISO_19139_URI = "http://www.isotc211.org/2005/gmd"
METADATA_EXTENSION = "http://www.geopackage.org/spec/#extension_metadata"
_TABLES = (
    """CREATE TABLE IF NOT EXISTS gpkg_extensions (
        table_name TEXT,
        column_name TEXT,
        extension_name TEXT NOT NULL,
        definition TEXT NOT NULL,
        scope TEXT NOT NULL,
        CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))""",
    """CREATE TABLE IF NOT EXISTS gpkg_metadata (
        id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
        md_scope TEXT NOT NULL DEFAULT 'dataset',
        md_standard_uri TEXT NOT NULL,
        mime_type TEXT NOT NULL DEFAULT 'text/xml',
        metadata TEXT NOT NULL DEFAULT '')""",
    """CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (
        reference_scope TEXT NOT NULL,
        table_name TEXT,
        column_name TEXT,
        row_id_value INTEGER,
        timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        md_file_id INTEGER NOT NULL,
        md_parent_id INTEGER,
        CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
        CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id))""",
)


def add_iso_metadata(path: Path, table: str, document: bytes) -> None:
    """Store `document` as the ISO 19139 metadata of `table` in the GeoPackage at `path`."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"
    conn = sqlite3.connect(path)
    try:
        with conn:
            for statement in _TABLES:
                conn.execute(statement)
            for extension_table in ("gpkg_metadata", "gpkg_metadata_reference"):
                exists = conn.execute(
                    "SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = 'gpkg_metadata'",
                    (extension_table,),
                ).fetchone()
                if not exists:
                    conn.execute(
                        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope)"
                        " VALUES (?, NULL, 'gpkg_metadata', ?, 'read-write')",
                        (extension_table, METADATA_EXTENSION),
                    )
            cursor = conn.execute(
                "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata)"
                " VALUES ('dataset', ?, 'text/xml', ?)",
                (ISO_19139_URI, document.decode("utf-8")),
            )
            conn.execute(
                "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, md_file_id)"
                " VALUES ('table', ?, ?, ?)",
                (table, now, cursor.lastrowid),
            )
    finally:
        conn.close()
