-- Diacritics-insensitive search: "pu luong" finds "Pù Luông", "ham rong" finds "Hàm Rồng".
-- depends: 001_catalogue
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- unaccent() is only STABLE (its dictionary could change); pinning the dictionary makes the
-- folding safe to index, so trigram indexes on atlas_fold(name) serve LIKE '%...%' searches.
CREATE FUNCTION atlas_fold(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
