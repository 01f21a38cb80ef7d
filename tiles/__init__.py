"""Mapbox Vector Tiles built by PostGIS from the catalogue's layers."""
