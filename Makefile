# The two commands of the README: `make run` and `make test`. Each sets up whatever is missing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-requirements

.PHONY: run test setup system venv translations assets db stop lint scale-data

run: setup db
	@$(PY) -m atlas prepare
	@$(PY) -m atlas serve

# The map's and the editor's own scripts first (Node's test runner), then everything else (pytest).
test: setup db
	node --test tests/js/
	$(PY) -m pytest

setup: system venv translations assets

system:
	@scripts/system-packages.sh

venv: $(STAMP)

$(STAMP): requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $(STAMP)

# Vietnamese is written in the code; the English catalogues are compiled from translations/*/en.
translations: venv
	@for d in translations/*/; do $(VENV)/bin/pybabel -q compile -f -d "$$d"; done

# Front-end libraries from npm (package-lock.json), copied into atlas/static/vendor.
assets: atlas/static/vendor/.installed

atlas/static/vendor/.installed: package-lock.json scripts/vendor-assets.sh
	@scripts/vendor-assets.sh
	@touch $@

# Without ATLAS_DATABASE_URL the embedded PostGIS cluster under var/ is used.
db:
ifndef ATLAS_DATABASE_URL
	@scripts/pg-cluster.sh start
endif

stop:
	@scripts/pg-cluster.sh stop

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy atlas layers tiles

# Adds 1,000,000 species observations and 200,000 forest plots for benchmarks.
scale-data: setup db
	@$(PY) -m atlas prepare
	$(VENV)/bin/flask --app wsgi sample-data --scale

# Tile benchmark on the scale layers: SQL floor, this server (cache off / warm), tipg 1.6.1, nginx.
# Needs `make scale-data` first. Flags through BENCH_ARGS, e.g. make bench-tiles BENCH_ARGS=--quick
.PHONY: bench-tiles
bench-tiles: setup db
	@ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh
	$(PY) bench/bench_tiles.py $(BENCH_ARGS)

# Editing: 20 concurrent editors (history on, then off), then edits under tile load, edit-aware tiles
# against 5b0f103's whole-layer ones. Works on its own database, atlas_bench_edit, made again each run.
# Flags through BENCH_ARGS, e.g. make bench-edit BENCH_ARGS=--quick
.PHONY: bench-edit
bench-edit: setup db
	@ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh
	$(PY) bench/bench_edit.py $(BENCH_ARGS)

# The map's first view: time until its tiles are drawn, and JS/CSS bytes (Chromium, cold cache).
.PHONY: bench-map
bench-map: setup db
	@$(PY) -m atlas prepare
	$(PY) bench/bench_map.py $(BENCH_ARGS)

# Exports of the scale forest_cover (zipped shapefile and GeoPackage, EPSG:5897), and the import of that
# shapefile into a scratch copy of the layer, against ogr2ogr: time, peak memory and ratios. Needs `make scale-data` first (or ATLAS_DATABASE_URL of a scale database).
.PHONY: bench-io
bench-io: setup db
	$(PY) bench/bench_io.py $(BENCH_ARGS)

# Load on the `make run` stack (nginx + gunicorn) with the configured database: wrk 60 s at 64
# connections over tiles (versioned and not), features, search, pages and TileJSON; errors, 5xx,
# p50/p99 and every process's memory in the first and last 10 s. Flags through BENCH_ARGS.
.PHONY: bench-load
bench-load: setup db
	@ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh
	@$(PY) -m atlas prepare
	$(PY) bench/bench_load.py $(BENCH_ARGS)

# OGC API items: 1,000-feature pages of the scale forest_cover, the atlas against tipg 1.6.1 in the same run.
# Reads atlas_scale_export (ATLAS_BENCH_OGC_DATABASE_URL to change it). Flags through BENCH_ARGS, e.g. --quick
.PHONY: bench-ogc
bench-ogc: setup db
	@ATLAS_WITH_BENCH_TOOLS=1 scripts/system-packages.sh
	$(PY) bench/bench_ogc.py $(BENCH_ARGS)
