-- Context of the map that is not an atlas layer (issue 11, item 2): the sea the province faces, drawn
-- under the layers so the map reads without a basemap. Nobody edits, exports or searches it, so it
-- has no catalogue row, history or tiles of its own; the map fetches it as one small simplified shape.
-- depends: 009_staged_imports
CREATE TABLE context_area (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]*$'),
    name_vi text NOT NULL CHECK (name_vi <> ''),
    name_en text NOT NULL CHECK (name_en <> ''),
    geom geometry(MultiPolygon, 4326) NOT NULL CHECK (ST_IsValid(geom)),
    geom_3857 geometry(MultiPolygon, 3857) GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED,
    updated_at timestamptz NOT NULL DEFAULT now()
);
