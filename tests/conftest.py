"""Shared fixtures: a throw-away test database on the real PostGIS, migrated and loaded once per session."""

from __future__ import annotations

import itertools
import os
import re
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest
from flask import Flask
from flask.testing import FlaskClient
from psycopg2.extensions import connection as Connection

from atlas import create_app
from atlas.migrate import apply_migrations, drop_database, ensure_database
from atlas.settings import load_settings
from layers.accounts import create_token, create_user
from layers.sample.load import load_sample

# The browser fixtures (Chromium, a live server) and the import tests' editor, for every module that asks.
pytest_plugins = ["tests.browser", "tests.importing"]


def unused_port() -> int:
    """A loopback port nothing listens on (for servers the tests start, or to stand for one that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sibling_database_url(suffix: str) -> str:
    """A URL for a database next to the configured one, named with `suffix`."""
    parts = urlsplit(load_settings().database_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The test database: dropped, created, migrated and loaded with the sample data.

    Its default name carries the process id, so two test runs on one server never drop each other's.
    """
    given = os.environ.get("ATLAS_TEST_DATABASE_URL")
    url = given or sibling_database_url(f"_test_{os.getpid()}")
    drop_database(url)
    ensure_database(url)
    apply_migrations(url)
    conn = psycopg2.connect(url)
    try:
        load_sample(conn)
    finally:
        conn.close()
    yield url
    if not given:
        drop_database(url)


@pytest.fixture(scope="session")
def public_url() -> str:
    """The test app's public address: where the browser tests' live server listens (tests/browser.py)."""
    return f"http://127.0.0.1:{unused_port()}"


def path_of(url: str) -> str:
    """The path and query of an absolute URL the app made, to ask the test client for it."""
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


@pytest.fixture(scope="session")
def app(database_url: str, public_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app configured against the test database, its export jobs in a folder of the test run."""
    exports = tmp_path_factory.mktemp("exports")
    application = create_app({"database_url": database_url, "exports_dir": str(exports), "public_url": public_url})
    application.config["TESTING"] = True
    yield application
    for pool in ("atlas.pool", "atlas.tile_pool"):
        application.extensions[pool].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def db(database_url: str) -> Iterator[Connection]:
    """A direct connection to the test database; whatever the test did is rolled back."""
    conn = psycopg2.connect(database_url)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@dataclass(frozen=True)
class Account:
    """A user made for a test: name, password, an API token and the headers that carry it."""

    name: str
    password: str
    token: str

    @property
    def bearer(self) -> dict[str, str]:
        """Headers that authenticate as this user without a session."""
        return {"Authorization": f"Bearer {self.token}"}


_account_numbers = itertools.count(1)


def new_account(database_url: str, role: str, layers: tuple[str, ...] | list[str] = ()) -> Account:
    """A user with a unique name and an API token, made in the database at `database_url`."""
    name = f"{role}-{next(_account_numbers)}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    conn = psycopg2.connect(database_url)
    try:
        create_user(conn, name, role, password, tuple(layers))
        _token_id, token = create_token(conn, name)
    finally:
        conn.close()
    return Account(name, password, token)


@pytest.fixture(scope="session")
def make_account(database_url: str):
    """A factory of users with a unique name: make_account("editor", ["water_permits"])."""

    def make(role: str, layers: tuple[str, ...] | list[str] = ()) -> Account:
        return new_account(database_url, role, layers)

    return make


def csrf_token_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, account: Account) -> str:
    """Sign the test client in through the /login form; returns the new session's CSRF token."""
    token = csrf_token_of(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": account.name, "password": account.password, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    # Signing in starts a new session, and with it a new token.
    return csrf_token_of(client.get("/login").get_data(as_text=True))
