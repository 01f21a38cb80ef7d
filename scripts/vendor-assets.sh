#!/usr/bin/env bash
# Installs the front-end libraries from npm (package-lock.json) and copies the files the pages
# use into atlas/static/vendor, so the atlas serves every asset itself and names no CDN.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

if ! command -v npm >/dev/null; then
  echo "npm is missing: run scripts/system-packages.sh (it installs nodejs and npm)." >&2
  exit 1
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

vendor=atlas/static/vendor
rm -rf "$vendor"
mkdir -p "$vendor/leaflet/images"
cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$vendor/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$vendor/leaflet/images/"
cp node_modules/leaflet.vectorgrid/dist/Leaflet.VectorGrid.bundled.min.js "$vendor/"
cp node_modules/proj4/dist/proj4.js "$vendor/"
# The editor draws and edits geometries with Leaflet-Geoman (free edition); its CSS inlines its icons.
mkdir -p "$vendor/geoman"
cp node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js \
  node_modules/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css "$vendor/geoman/"
# The OGC API's service-doc page browses the OpenAPI document with Swagger UI (scarf's analytics
# are switched off in package.json, so installing it calls no one).
mkdir -p "$vendor/swagger-ui"
cp node_modules/swagger-ui-dist/swagger-ui-bundle.js node_modules/swagger-ui-dist/swagger-ui.css "$vendor/swagger-ui/"
