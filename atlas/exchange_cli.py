"""`flask --app wsgi export`: a layer (or several) to a file, with a progress bar, from one snapshot."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import click
import psycopg2
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.datastructures import MultiDict

from atlas.export_params import parse_export_request, parse_layer_list
from layers.access import OFFICIAL
from layers.accounts import User, require_editor, user_by_id
from layers.catalogue import LayerDef, get_layer
from layers.errors import AtlasError
from layers.exchange.archive import prepare
from layers.exchange.export import count_features, export_layers
from layers.exchange.importer import ImportOptions, features_in, import_layer
from layers.exchange.snapshot import snapshot_connection
from layers.iso19139 import OnlineLinks
from layers.validation import Problem


def _links(base_url: str):
    base = base_url.rstrip("/")

    def links(layer: LayerDef) -> OnlineLinks:
        return OnlineLinks(
            geojson=f"{base}/api/layers/{layer.id}/features?limit=1000",
            tilejson=f"{base}/tiles/{layer.id}.json",
            page=f"{base}/layers/{layer.id}",
            metadata_json=f"{base}/api/layers/{layer.id}",
        )

    return links


def _arguments(fmt: str, crs: str | None, bbox: str | None, commune: str | None, where: tuple[str, ...]) -> MultiDict:
    args: MultiDict[str, str] = MultiDict({"format": fmt})
    for name, value in (("crs", crs), ("bbox", bbox), ("commune", commune)):
        if value:
            args[name] = value
    for condition in where:
        name, sep, value = condition.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"'{condition}' is not field=value.", param_hint="--where")
        args.add(name.strip(), value)
    return args


# with_appcontext: Flask wraps only the commands it defines itself, and this one reads the settings.
@click.command("export")
@with_appcontext
@click.argument("layer")
@click.option("--format", "fmt", default="shp", show_default=True, help="shp, gpkg, geojson, csv or kml.")
@click.option("--crs", help="EPSG:4326 or a VN-2000 code (EPSG:5897 by default for shp and gpkg).")
@click.option("--bbox", help="min_lon,min_lat,max_lon,max_lat in WGS 84.")
@click.option("--commune", help="Only features that intersect the commune with this code.")
@click.option("--where", multiple=True, help="field=value (repeatable).")
@click.option("--base-url", default="http://127.0.0.1:5000", show_default=True, help="Atlas URL for the metadata.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path))
def export_command(
    layer: str,
    fmt: str,
    crs: str | None,
    bbox: str | None,
    commune: str | None,
    where: tuple[str, ...],
    base_url: str,
    output: Path,
) -> None:
    """Export LAYER (or a,b,c: one zip, or one GeoPackage) to a file, reading one consistent snapshot."""
    args = _arguments(fmt, crs, bbox, commune, where)
    conn = snapshot_connection(current_app.extensions["atlas.settings"].database_url)
    folder = Path(tempfile.mkdtemp(prefix="atlas-export-"))
    try:
        # Whoever runs the command on the server is an official: the export is exact.
        request = parse_export_request(conn, parse_layer_list(layer), args, _links(base_url), access=OFFICIAL)
        total = sum(count_features(conn, request).values())
        with click.progressbar(length=total, label=f"Exporting {total:,} features", show_pos=True) as bar:
            result = export_layers(conn, request, folder, progress=bar.update)
        shutil.move(result.path, output)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)
    click.echo(f"Wrote {output} ({', '.join(f'{n:,} {i}' for i, n in result.counts.items())}).")


@click.command("import")
@with_appcontext
@click.argument("layer")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mode", type=click.Choice(["append", "replace"]), default="append", show_default=True)
@click.option("--dry-run", is_flag=True, help="Check everything and report; write nothing.")
@click.option("--srid", type=int, help="EPSG code of the coordinates when the file has no .prj.")
@click.option("--encoding", type=click.Choice(["utf-8", "cp1258", "tcvn3", "vni"]), help="DBF text without .cpg.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid features and report the others.")
@click.option("--user", "user_name", default="admin", show_default=True, help="Account the import is recorded under.")
def import_command(layer: str, file: Path, mode: str, dry_run: bool, srid, encoding, skip_invalid, user_name) -> None:
    """Import FILE (shapefile zip, GeoPackage, GeoJSON) into LAYER, all or nothing; prints the report as JSON."""
    options = ImportOptions(mode, dry_run, srid, encoding, skip_invalid)
    conn = psycopg2.connect(current_app.extensions["atlas.settings"].database_url)
    folder = Path(tempfile.mkdtemp(prefix="atlas-import-"))
    try:
        layer_def = get_layer(conn, layer)
        user = _cli_user(conn, user_name, layer_def.id)
        source = prepare(_copy(file, folder), folder)
        with click.progressbar(length=features_in(source), label="Checking features", show_pos=True) as bar:
            report = import_layer(conn, layer_def, source, options, user, progress=bar.update)
    except AtlasError as exc:
        click.echo(json.dumps(jsonable_cli(exc.details), ensure_ascii=False, indent=1, default=str), err=True)
        raise click.ClickException(exc.message) from None
    finally:
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)
    click.echo(json.dumps(jsonable_cli(report), ensure_ascii=False, indent=1, default=str))


def _copy(file: Path, folder: Path) -> Path:
    target = folder / ("upload" + file.suffix.lower())
    shutil.copyfile(file, target)
    return target


def _cli_user(conn, name: str, layer_id: str) -> User:
    """The account the import is recorded under; it must be allowed to edit the layer, as on the web."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM atlas_user WHERE name = %s AND active", (name,))
        row = cur.fetchone()
    user = user_by_id(conn, row[0]) if row else None
    if user is None:
        raise AtlasError(f"There is no active account '{name}' (make one with create-user).")
    return require_editor(user, layer_id)


def jsonable_cli(value):
    """Problems as their English message, for a terminal."""
    if isinstance(value, Problem):
        return {"code": value.code, "message": value.message("en")}
    if isinstance(value, dict):
        return {k: jsonable_cli(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable_cli(v) for v in value]
    return value
