"""Flask CLI commands: migrate, sample-data, export and the account commands."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app

from atlas.account_cli import ACCOUNT_COMMANDS
from atlas.exchange_cli import export_command, import_command
from atlas.migrate import apply_migrations, ensure_database
from layers.errors import AtlasError
from layers.sample import load as sample


def _pool():
    return current_app.extensions["atlas.pool"]


@click.command("migrate")
def migrate_command() -> None:
    """Create the database if missing and apply pending migrations."""
    url = current_app.extensions["atlas.settings"].database_url
    try:
        if ensure_database(url):
            click.echo("Created the database.")
        applied = apply_migrations(url)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}" if applied else "Schema is up to date.")


@click.command("sample-data")
@click.option("--seed", default=sample.DEFAULT_SEED, show_default=True, help="Seed of the generator.")
@click.option("--if-empty", is_flag=True, help="Load only when the catalogue has no layers yet.")
@click.option("--scale", is_flag=True, help="Add benchmark-scale observations and forest plots.")
@click.option("--observations", default=1_000_000, show_default=True, type=click.IntRange(0, 50_000_000))
@click.option("--forest-plots", default=200_000, show_default=True, type=click.IntRange(0, 10_000_000))
def sample_data_command(seed: int, if_empty: bool, scale: bool, observations: int, forest_plots: int) -> None:
    """Load the Thanh Hóa sample layers, or with --scale add benchmark-scale data to them."""
    try:
        with _pool().connection() as conn:
            if scale:
                _load_scale(conn, seed, observations, forest_plots)
            elif if_empty and not sample.catalogue_is_empty(conn):
                click.echo("Sample data already loaded; nothing to do.")
            else:
                _load_base(conn, seed)
    except AtlasError as exc:
        raise click.ClickException(exc.message) from None


def _load_base(conn, seed: int) -> None:
    if not sample.catalogue_is_empty(conn):
        raise click.ClickException(
            "The catalogue already has layers; the sample data is loaded only into an empty one."
        )
    started = time.perf_counter()
    counts = sample.load_sample(conn, seed)
    for layer_id, count in counts.items():
        click.echo(f"  {layer_id:<24}{count:>8}")
    click.echo(f"Loaded the sample data in {time.perf_counter() - started:.1f} s.")


def _load_scale(conn, seed: int, observations: int, forest_plots: int) -> None:
    if sample.catalogue_is_empty(conn):
        raise click.ClickException("Load the sample data first (flask --app wsgi sample-data).")
    started = time.perf_counter()
    with click.progressbar(length=observations + forest_plots, label="Adding scale data", show_pos=True) as bar:
        counts = sample.load_scale(conn, observations, forest_plots, seed, progress=bar.update)
    took = time.perf_counter() - started
    click.echo(", ".join(f"{n:,} rows into {layer_id}" for layer_id, n in counts.items()) + f" in {took:.1f} s.")


def register(app: Flask) -> None:
    """Add the commands to the app's CLI."""
    app.cli.add_command(migrate_command)
    app.cli.add_command(sample_data_command)
    app.cli.add_command(export_command)
    app.cli.add_command(import_command)
    for command in ACCOUNT_COMMANDS:
        app.cli.add_command(command)
