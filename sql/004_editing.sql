-- Editing: accounts with per-layer grants and API tokens, the history of every feature,
-- versions set by the database, and per-tile change ranges so an edit only costs the tiles it touches.
-- depends: 003_search
CREATE EXTENSION IF NOT EXISTS pgcrypto;

CREATE TABLE atlas_user (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role text NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    password_hash text NOT NULL,
    -- Raised when the password changes or the account is disabled: older sessions stop working.
    session_epoch integer NOT NULL DEFAULT 1,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- An editor may write exactly the layers granted here; admins write every layer.
CREATE TABLE layer_grant (
    user_id bigint NOT NULL REFERENCES atlas_user (id) ON DELETE CASCADE,
    layer_id text NOT NULL REFERENCES layer (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, layer_id)
);

-- Tokens for scripts and desktop clients; only a SHA-256 of the secret is kept.
CREATE TABLE api_token (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES atlas_user (id) ON DELETE CASCADE,
    secret_sha256 bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

-- Every create, update, delete, revert and import of a feature, written by triggers in the
-- same statement as the change, so a change and its history commit or roll back together.
CREATE TABLE feature_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    layer_id text NOT NULL REFERENCES layer (id) ON DELETE CASCADE,
    fid bigint NOT NULL,
    -- The version this change produced (a delete takes the next number too, so numbers never repeat).
    version integer NOT NULL,
    operation text NOT NULL CHECK (operation IN ('create', 'update', 'delete', 'revert', 'import')),
    -- A PATCH sent without If-Match: it changed only its own fields, checked against no version.
    unconditional boolean NOT NULL DEFAULT false,
    before_properties jsonb,
    before_geom geometry(Geometry, 4326),
    after_properties jsonb,
    after_geom geometry(Geometry, 4326),
    changed_by text,
    changed_at timestamptz NOT NULL DEFAULT now(),
    change_set uuid NOT NULL
);
CREATE INDEX feature_history_feature ON feature_history (layer_id, fid, version);
CREATE INDEX feature_history_layer ON feature_history (layer_id, id DESC);

-- Tiles drawn at a revision stay right until a change reaches their area. Each change records,
-- per zoom, the range of tiles its old and new geometries touch (with the tile buffer).
ALTER TABLE layer ADD COLUMN tiles_base_revision bigint;
UPDATE layer SET tiles_base_revision = revision;
ALTER TABLE layer
    ALTER COLUMN tiles_base_revision SET NOT NULL,
    ALTER COLUMN tiles_base_revision SET DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint;

CREATE TABLE tile_change (
    layer_id text NOT NULL REFERENCES layer (id) ON DELETE CASCADE,
    revision bigint NOT NULL,
    z smallint NOT NULL,
    x0 integer NOT NULL,
    y0 integer NOT NULL,
    x1 integer NOT NULL,
    y1 integer NOT NULL
);
CREATE INDEX tile_change_lookup ON tile_change (layer_id, z, revision);

-- The database sets version, updated_at and updated_by, so an edit made in psql bumps them too.
CREATE FUNCTION atlas_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
    NEW.updated_by := coalesce(nullif(current_setting('atlas.user', true), ''), session_user);
    RETURN NEW;
END;
$$;

-- Statement-level, with transition tables: one history row per changed feature. The app names the
-- operation (revert, import), marks unconditional patches and groups a change set through settings.
CREATE FUNCTION atlas_record_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    system_columns text[] := ARRAY['fid', 'geom', 'geom_3857', 'version', 'updated_at', 'updated_by'];
    op text := nullif(current_setting('atlas.operation', true), '');
    set_id uuid := coalesce(nullif(current_setting('atlas.change_set', true), '')::uuid, gen_random_uuid());
    who text := coalesce(nullif(current_setting('atlas.user', true), ''), session_user);
    unconditional boolean := coalesce(nullif(current_setting('atlas.unconditional', true), '')::boolean, false);
BEGIN
    IF current_setting('atlas.history', true) = 'off' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO feature_history (layer_id, fid, version, operation, after_properties, after_geom,
                                     changed_by, change_set)
        SELECT TG_ARGV[0], n.fid, n.version, coalesce(op, 'create'), to_jsonb(n) - system_columns, n.geom,
               who, set_id
        FROM new_rows n;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO feature_history (layer_id, fid, version, operation, unconditional, before_properties,
                                     before_geom, after_properties, after_geom, changed_by, change_set)
        SELECT TG_ARGV[0], n.fid, n.version, coalesce(op, 'update'), unconditional, to_jsonb(o) - system_columns,
               o.geom, to_jsonb(n) - system_columns, n.geom, who, set_id
        FROM old_rows o JOIN new_rows n USING (fid);
    ELSE
        INSERT INTO feature_history (layer_id, fid, version, operation, before_properties, before_geom,
                                     changed_by, change_set)
        SELECT TG_ARGV[0], o.fid, o.version + 1, coalesce(op, 'delete'), to_jsonb(o) - system_columns, o.geom,
               who, set_id
        FROM old_rows o;
    END IF;
    RETURN NULL;
END;
$$;

-- The tiles (z, x, y) that a box in EPSG:3857 reaches at each zoom up to max_z, with the
-- 64/4096 buffer that tile statements read around a tile.
CREATE FUNCTION atlas_tile_ranges(b box2d, max_z integer)
RETURNS TABLE (z smallint, x0 integer, y0 integer, x1 integer, y1 integer)
LANGUAGE sql IMMUTABLE AS $$
    SELECT zz::smallint,
           greatest(0, floor((ST_XMin(b) - m + h) / w))::integer,
           greatest(0, floor((h - ST_YMax(b) - m) / w))::integer,
           least(n - 1, floor((ST_XMax(b) + m + h) / w))::integer,
           least(n - 1, floor((h - ST_YMin(b) + m) / w))::integer
    FROM generate_series(0, max_z) AS zz,
         LATERAL (SELECT 40075016.685578488 / 2 ^ zz AS w, 20037508.342789244 AS h, 2 ^ zz AS n) s,
         LATERAL (SELECT s.w * 64.0 / 4096 AS m) mm
$$;

-- Raises the layer's revision and records which tiles the changed rows reach, at every zoom.
-- Up to 256 rows are recorded one by one, more as one box around them all.
CREATE FUNCTION atlas_record_tile_changes(changed_layer text, boxes box2d[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    rev bigint;
    max_z integer;
BEGIN
    IF coalesce(cardinality(boxes), 0) = 0 OR boxes[1] IS NULL THEN
        RETURN;  -- a statement that changed no row changes no tile
    END IF;
    UPDATE layer SET revision = revision + 1, data_changed_at = now() WHERE id = changed_layer
    RETURNING revision, max_zoom INTO rev, max_z;
    INSERT INTO tile_change (layer_id, revision, z, x0, y0, x1, y1)
    SELECT changed_layer, rev, r.* FROM unnest(boxes) AS b, atlas_tile_ranges(b, max_z) r;
    -- Keep the ranges of the last 2,000 changes; older ones fold into the base revision, which
    -- only makes the tiles untouched since then draw once more.
    IF rev % 1000 = 0 THEN
        UPDATE layer SET tiles_base_revision = greatest(tiles_base_revision, rev - 2000) WHERE id = changed_layer;
        DELETE FROM tile_change c WHERE c.layer_id = changed_layer AND c.revision <= rev - 2000;
    END IF;
END;
$$;

CREATE FUNCTION atlas_touch_tiles() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    boxes box2d[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        boxes := ARRAY(SELECT geom_3857::box2d FROM new_rows LIMIT 257);
        IF cardinality(boxes) > 256 THEN
            boxes := ARRAY[(SELECT ST_Extent(geom_3857) FROM new_rows)];
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        boxes := ARRAY(SELECT geom_3857::box2d FROM old_rows LIMIT 257);
        IF cardinality(boxes) > 256 THEN
            boxes := ARRAY[(SELECT ST_Extent(geom_3857) FROM old_rows)];
        END IF;
    ELSE
        boxes := ARRAY(SELECT geom_3857::box2d FROM old_rows UNION ALL SELECT geom_3857::box2d FROM new_rows LIMIT 257);
        IF cardinality(boxes) > 256 THEN
            boxes := ARRAY[(SELECT ST_Extent(g) FROM (SELECT geom_3857 FROM old_rows UNION ALL
                                                     SELECT geom_3857 FROM new_rows) AS u(g))];
        END IF;
    END IF;
    PERFORM atlas_record_tile_changes(TG_ARGV[0], boxes);
    RETURN NULL;
END;
$$;

-- TRUNCATE empties every tile of the layer at once.
CREATE FUNCTION atlas_truncate_tiles() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE layer SET revision = revision + 1, tiles_base_revision = revision + 1, data_changed_at = now()
    WHERE id = TG_ARGV[0];
    DELETE FROM tile_change WHERE layer_id = TG_ARGV[0];
    RETURN NULL;
END;
$$;

-- Every trigger a layer table carries besides its grid cells; called by the app when it creates a
-- layer table, and below for the tables that exist already. Trigger names sort so that the
-- revision is raised first: the layer row is then locked before any other shared row.
CREATE FUNCTION atlas_install_layer_triggers(target_layer text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    tbl text := format('layerdata.%I', target_layer);
BEGIN
    EXECUTE format('DROP TRIGGER IF EXISTS touch_layer ON %s', tbl);
    EXECUTE format('ALTER TABLE %s ALTER COLUMN updated_by SET DEFAULT '
                   'coalesce(nullif(current_setting(''atlas.user'', true), ''''), session_user)', tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_version BEFORE UPDATE ON %s '
                   'FOR EACH ROW EXECUTE FUNCTION atlas_bump_version()', tbl);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_insert AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_touch_tiles(%L)',
                   tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_update AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION atlas_touch_tiles(%L)', tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_delete AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_touch_tiles(%L)',
                   tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER bump_revision_truncate AFTER TRUNCATE ON %s '
                   'FOR EACH STATEMENT EXECUTE FUNCTION atlas_truncate_tiles(%L)', tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_insert AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_record_history(%L)',
                   tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_update AFTER UPDATE ON %s '
                   'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                   'FOR EACH STATEMENT EXECUTE FUNCTION atlas_record_history(%L)', tbl, target_layer);
    EXECUTE format('CREATE OR REPLACE TRIGGER history_delete AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION atlas_record_history(%L)',
                   tbl, target_layer);
END;
$$;

DO $$
BEGIN
    PERFORM atlas_install_layer_triggers(l.id)
    FROM layer l JOIN pg_tables t ON t.schemaname = 'layerdata' AND t.tablename = l.id;
END;
$$;

-- Replaced by atlas_touch_tiles on every layer table above.
DROP FUNCTION atlas_touch_layer();
