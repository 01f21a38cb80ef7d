-- Sensitive data (issue 11, item 9): each layer has an access level (everyone, or signed-in officials
-- only), and a grid to which its sensitive features are generalised for the public. Which features
-- are sensitive, and which attributes are withheld from the public on them, is in the fields'
-- schema (generalise_codes, withheld_when_generalised), read by layers/access.py.
-- depends: 007_history_columns
ALTER TABLE layer
    ADD COLUMN access text NOT NULL DEFAULT 'public' CHECK (access IN ('public', 'officials')),
    ADD COLUMN generalise_m integer NOT NULL DEFAULT 10000 CHECK (generalise_m > 0);

-- The centre of the cell_m-wide grid cell of VN-2000 / TM-3 105° (EPSG:5897, the province's metric
-- CRS) that holds the geometry's point on surface, returned in the geometry's own SRID. A public
-- position computed this way depends only on the cell, so nothing finer than the cell can be read back.
CREATE FUNCTION atlas_grid_centre(g geometry, cell_m double precision) RETURNS geometry
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT ST_Transform(
        ST_SetSRID(ST_MakePoint((floor(ST_X(p) / cell_m) + 0.5) * cell_m, (floor(ST_Y(p) / cell_m) + 0.5) * cell_m), 5897),
        ST_SRID(g))
    FROM (SELECT ST_Transform(ST_PointOnSurface(g), 5897) AS p) AS projected
$$;

-- A database loaded before this migration gets the sample layers' rules at once, and new revisions,
-- so no cache keeps serving tiles drawn without them. (Their low-zoom cells are recounted from the
-- generalised positions by the next `flask --app wsgi load-sample`.)
UPDATE layer SET access = 'officials', revision = revision + 1, tiles_base_revision = revision + 1
WHERE id = 'patrol_routes';
UPDATE layer SET revision = revision + 1, tiles_base_revision = revision + 1,
    fields = (
        SELECT jsonb_agg(CASE
            WHEN f->>'name' IN ('iucn_category', 'vn_red_book') THEN f || '{"generalise_codes": ["CR", "EN"]}'
            WHEN f->>'name' IN ('occurrence_id', 'locality', 'recorded_by', 'coordinate_uncertainty_m')
                THEN f || '{"withheld_when_generalised": true}'
            ELSE f END ORDER BY position)
        FROM jsonb_array_elements(fields) WITH ORDINALITY AS e(f, position))
WHERE id = 'species_observations';

-- One formatting rule per field (issue 11, item 6): years are never grouped like quantities.
UPDATE layer SET fields = (
        SELECT jsonb_agg(CASE WHEN f->>'type' = 'integer' AND f->>'name' ~ '(^year_|_year$)'
            THEN f || '{"display": "year"}' ELSE f END ORDER BY position)
        FROM jsonb_array_elements(fields) WITH ORDINALITY AS e(f, position))
WHERE fields::text LIKE '%year%';
