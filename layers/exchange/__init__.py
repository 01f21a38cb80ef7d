"""Exchange of layers with desktop GIS: exports (shapefile, GeoPackage, GeoJSON, CSV, KML) through GDAL.

GDAL does every format through pyogrio; this package decides what goes in: which rows (one
snapshot, filters), in which CRS (PostGIS transforms), under which names (DBF's ten
characters), and what travels with them (crosswalk, ISO 19139 metadata, README).
"""
