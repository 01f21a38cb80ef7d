"""`python -m atlas prepare|serve`: what `make run` calls, with one clear line on any error."""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path

from atlas.front import gunicorn_command, run_front
from atlas.migrate import apply_migrations, ensure_database, first_line
from atlas.settings import Settings, load_settings
from layers.errors import AtlasError, DatabaseUnavailable


def prepare(settings: Settings) -> None:
    """Create the database when missing, migrate it, and load the sample data into an empty catalogue."""
    import psycopg2

    from layers.catalogue import list_layers
    from layers.sample.load import catalogue_is_empty, load_sample, load_sea
    from layers.tables import create_public_point_index

    if ensure_database(settings.database_url):
        print("Created the database.")
    applied = apply_migrations(settings.database_url)
    if applied:
        print(f"Applied migrations: {', '.join(applied)}")
    try:
        conn = psycopg2.connect(settings.database_url, connect_timeout=10)
    except psycopg2.OperationalError as exc:
        raise DatabaseUnavailable(f"Cannot connect to the database: {first_line(exc)}") from exc
    try:
        if catalogue_is_empty(conn):
            print("Loading the Thanh Hóa sample data ...")
            counts = load_sample(conn)
            print(f"Loaded {sum(counts.values()):,} features in {len(counts)} layers.")
        with conn:  # databases loaded before the index and the sea existed get them now
            for layer in list_layers(conn):
                create_public_point_index(conn, layer)
            if load_sea(conn):
                print("Stored the sea off the coast for the map.")
    finally:
        conn.close()


def _check_port_free(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise AtlasError(
                f"Port {port} is already in use: stop what runs there or set ATLAS_PORT=<another port>."
            ) from None


def _fresh_metrics_dir() -> None:
    # Each gunicorn worker writes its metrics here; old files would add up with new ones.
    directory = Path(__file__).resolve().parent.parent / "var" / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)


def serve(settings: Settings) -> None:
    """Serve the atlas on 127.0.0.1:ATLAS_PORT: nginx in front of gunicorn, or gunicorn alone without nginx."""
    _check_port_free(settings.port)
    _fresh_metrics_dir()
    if shutil.which("nginx"):
        print(f"Serving the atlas on http://127.0.0.1:{settings.port} (nginx in front of gunicorn)", flush=True)
        sys.exit(run_front(settings))
    print(f"Serving the atlas on http://127.0.0.1:{settings.port} (gunicorn; install nginx to cache tiles in front)")
    command = gunicorn_command(f"127.0.0.1:{settings.port}")
    os.execvp(command[0], command)


def main(argv: list[str]) -> int:
    """Run one command; print AtlasError messages as one line and exit 1."""
    commands = {"prepare": prepare, "serve": serve}
    if len(argv) != 1 or argv[0] not in commands:
        print("usage: python -m atlas prepare|serve", file=sys.stderr)
        return 2
    try:
        commands[argv[0]](load_settings())
    except AtlasError as exc:
        print(f"atlas: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
