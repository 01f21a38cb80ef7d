-- Edit-aware tiles, measured by make bench-edit: looking up a tile's last change read every kept
-- range of its zoom (3.6 ms a layer with 2,600 changes kept), and a point edit stored 46 rows.
-- A GiST index on the ranges finds only those that cover the tile; a change stores each distinct
-- range once and only for the zooms the layer is drawn at; and a range keeps only its latest change,
-- so a low-zoom tile that thousands of edits reached has one row, not thousands.
-- depends: 004_editing
CREATE EXTENSION IF NOT EXISTS btree_gist;

DELETE FROM tile_change c USING tile_change newer
WHERE (newer.layer_id, newer.z, newer.x0, newer.y0, newer.x1, newer.y1) = (c.layer_id, c.z, c.x0, c.y0, c.x1, c.y1)
  AND (newer.revision, newer.ctid) > (c.revision, c.ctid);
CREATE UNIQUE INDEX tile_change_range ON tile_change (layer_id, z, x0, y0, x1, y1);
DROP INDEX tile_change_lookup;
CREATE INDEX tile_change_lookup ON tile_change USING gist (layer_id, z, box(point(x0, y0), point(x1, y1)));

DROP FUNCTION atlas_tile_ranges(box2d, integer);
CREATE FUNCTION atlas_tile_ranges(b box2d, min_z integer, max_z integer)
RETURNS TABLE (z smallint, x0 integer, y0 integer, x1 integer, y1 integer)
LANGUAGE sql IMMUTABLE AS $$
    SELECT zz::smallint,
           greatest(0, floor((ST_XMin(b) - m + h) / w))::integer,
           greatest(0, floor((h - ST_YMax(b) - m) / w))::integer,
           least(n - 1, floor((ST_XMax(b) + m + h) / w))::integer,
           least(n - 1, floor((h - ST_YMin(b) + m) / w))::integer
    FROM generate_series(min_z, max_z) AS zz,
         LATERAL (SELECT 40075016.685578488 / 2 ^ zz AS w, 20037508.342789244 AS h, 2 ^ zz AS n) s,
         LATERAL (SELECT s.w * 64.0 / 4096 AS m) mm
$$;

CREATE OR REPLACE FUNCTION atlas_record_tile_changes(changed_layer text, boxes box2d[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    rev bigint;
    min_z integer;
    max_z integer;
BEGIN
    IF coalesce(cardinality(boxes), 0) = 0 OR boxes[1] IS NULL THEN
        RETURN;  -- a statement that changed no row changes no tile
    END IF;
    UPDATE layer SET revision = revision + 1, data_changed_at = now() WHERE id = changed_layer
    RETURNING revision, min_zoom, max_zoom INTO rev, min_z, max_z;
    -- An update that kept its geometry has the same old and new range: one row for both. A range
    -- changed before only needs its newest revision.
    INSERT INTO tile_change AS c (layer_id, revision, z, x0, y0, x1, y1)
    SELECT DISTINCT changed_layer, rev, r.* FROM unnest(boxes) AS b, atlas_tile_ranges(b, min_z, max_z) r
    ON CONFLICT (layer_id, z, x0, y0, x1, y1) DO UPDATE SET revision = EXCLUDED.revision;
    -- Keep the ranges of the last 2,000 changes; older ones fold into the base revision, which
    -- only makes the tiles untouched since then draw once more.
    IF rev % 1000 = 0 THEN
        UPDATE layer SET tiles_base_revision = greatest(tiles_base_revision, rev - 2000) WHERE id = changed_layer;
        DELETE FROM tile_change c WHERE c.layer_id = changed_layer AND c.revision <= rev - 2000;
    END IF;
END;
$$;
