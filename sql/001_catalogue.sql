-- The layer catalogue: one row per layer, with its style, attribute schema and metadata.
-- depends:
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE SCHEMA IF NOT EXISTS layerdata;

CREATE TABLE layer (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,62}$'),
    theme text NOT NULL CHECK (theme IN ('admin', 'water', 'biodiversity')),
    title_vi text NOT NULL CHECK (title_vi <> ''),
    title_en text NOT NULL CHECK (title_en <> ''),
    geometry_type text NOT NULL
        CHECK (geometry_type IN ('Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon')),
    min_zoom smallint NOT NULL DEFAULT 0 CHECK (min_zoom BETWEEN 0 AND 24),
    max_zoom smallint NOT NULL DEFAULT 22 CHECK (max_zoom BETWEEN 0 AND 24),
    visible_by_default boolean NOT NULL DEFAULT false,
    -- Below this zoom tiles draw precomputed grid cells instead of single features (NULL: never).
    aggregate_below_zoom smallint CHECK (aggregate_below_zoom BETWEEN 1 AND 24),
    sort_order integer NOT NULL DEFAULT 0,
    style jsonb NOT NULL DEFAULT '{}',
    fields jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(fields) = 'array'),
    metadata jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(metadata) = 'object'),
    -- Goes up by one on every change of the layer's data; tile cache keys and tile URLs carry it.
    -- It starts at the creation time in milliseconds, so a database loaded afresh never reuses
    -- the numbers of an earlier one and no cache (in-process, Redis, nginx, CDN) can mix them up.
    revision bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
    data_changed_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (min_zoom <= max_zoom)
);

-- Statement-level trigger function on every layer table: an edit through the app or
-- straight in psql bumps the layer's revision, so caches never serve stale tiles.
CREATE FUNCTION atlas_touch_layer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE layer SET revision = revision + 1, data_changed_at = now() WHERE id = TG_ARGV[0];
    RETURN NULL;
END;
$$;
