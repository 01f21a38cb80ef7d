"""The ordered migrations in sql/ run on an empty database and are recorded."""

from __future__ import annotations

import psycopg2

from atlas.migrate import apply_migrations, drop_database, ensure_database
from tests.conftest import sibling_database_url


def test_migrations_from_empty_and_recorded():
    url = sibling_database_url("_migrations")
    drop_database(url)
    try:
        assert ensure_database(url) is True
        assert ensure_database(url) is False
        applied = apply_migrations(url)
        assert applied == [
            "001_catalogue",
            "002_measurements",
            "003_search",
            "004_editing",
            "005_vn2000_zones",
            "006_tile_change_lookup",
            "008_sensitive_access",
        ]
        assert apply_migrations(url) == []
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT to_regclass('public.layer'), to_regclass('public.water_quality_measurement')")
                assert cur.fetchone() == ("layer", "water_quality_measurement")
                cur.execute("SELECT extname FROM pg_extension ORDER BY 1")
                assert {"postgis", "unaccent"} <= {row[0] for row in cur.fetchall()}
        finally:
            conn.close()
    finally:
        drop_database(url)
