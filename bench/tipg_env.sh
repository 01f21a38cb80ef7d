#!/usr/bin/env bash
# Starts tipg 1.6.1 for `make bench-tiles`, configured to draw the same tiles as the atlas:
# extent 4096, buffer 64, no cap on features per tile, a pool as large as ATLAS_POOL_SIZE,
# and as many uvicorn workers as the atlas runs gunicorn workers. Bound to 127.0.0.1 only.
# bench_tiles.py sets the variables below; run by hand as, for example:
#   TIPG_VENV=var/bench/tipg-venv TIPG_PORT=5082 TIPG_WORKERS=2 \
#   DATABASE_URL=postgresql://atlas@127.0.0.1:15432/atlas bench/tipg_env.sh
set -euo pipefail
: "${TIPG_VENV:?path of the tipg virtualenv}" "${TIPG_PORT:?port}" "${TIPG_WORKERS:?worker count}"
: "${DATABASE_URL:?postgresql://user@host:port/db}"

export DATABASE_URL
export TIPG_DB_SCHEMAS='["layerdata"]'
export TIPG_DB_TABLES="${TIPG_DB_TABLES:-[\"layerdata.species_observations\",\"layerdata.forest_cover\"]}"
export TIPG_TILE_RESOLUTION=4096
export TIPG_TILE_BUFFER=64
# tipg cuts tiles at 10,000 features by default; the atlas never does, so neither may tipg here.
export TIPG_MAX_FEATURES_PER_TILE=100000000
export TIPG_DB_MIN_CONN_SIZE=1
export TIPG_DB_MAX_CONN_SIZE="${TIPG_DB_MAX_CONN_SIZE:-8}"
export TIPG_ADD_TILES_VIEWER=false

exec "$TIPG_VENV/bin/uvicorn" tipg.main:app --host 127.0.0.1 --port "$TIPG_PORT" --workers "$TIPG_WORKERS"
