"""`flask --app wsgi export`: a layer (or several) to a file, with a progress bar, from one snapshot."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.datastructures import MultiDict

from atlas.export_params import parse_export_request, parse_layer_list
from layers.catalogue import LayerDef
from layers.errors import AtlasError
from layers.exchange.export import count_features, export_layers
from layers.exchange.snapshot import snapshot_connection
from layers.iso19139 import OnlineLinks


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
    """Export LAYER (or a,b,c into one zip) to a file, reading one consistent snapshot."""
    args = _arguments(fmt, crs, bbox, commune, where)
    conn = snapshot_connection(current_app.extensions["atlas.settings"].database_url)
    folder = Path(tempfile.mkdtemp(prefix="atlas-export-"))
    try:
        request = parse_export_request(conn, parse_layer_list(layer), args, _links(base_url))
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
