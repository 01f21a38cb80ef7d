"""Exchange of layers with desktop GIS: exports (shapefile, GeoPackage, GeoJSON, CSV, KML) and imports.

GDAL does every format through pyogrio; this package decides what goes in: which rows (one
snapshot, filters), in which CRS (PostGIS transforms), under which names (DBF's ten
characters), and what travels with them (crosswalk, ISO 19139 metadata, README).

Imports come back the other way (importer.py): an upload unpacked safely (archive.py), its CRS
checked against the province (crs_check.py), legacy Vietnamese text decoded (encodings.py), its
columns mapped to the schema (fieldmap.py), every feature validated, all written or none.
"""
