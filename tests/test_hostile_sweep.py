"""A hostile sweep over every route of the url_map: malformed URLs, query parameters, headers and bodies.

Whatever comes, the atlas answers below 500, shows no traceback or SQL, names no host but its own
in any link or header, and leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterator
from urllib.parse import quote, unquote, urlsplit

import psycopg2
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import Account

EVIL = "evil.example"
# Values for a path part or a query parameter: encodings, separators, numbers that are not, markup, SQL, hosts.
HOSTILE_VALUES = [
    "%00",
    "%0A",
    "1%0A",
    "%09",
    "%C2%B2",
    "%E2%91%A0",
    "%FF%FE",
    "%C0%AE%C0%AE",
    "..%2F..%2Fetc%2Fpasswd",
    "%5C" + EVIL,
    "%2F%2F" + EVIL,
    "%09%2F" + EVIL,
    "https:%2F%2F" + EVIL,
    "'%3B%20DROP%20TABLE%20layer%3B--",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "-1",
    "1e999",
    "1_000",
    "NaN",
    "0x10",
    "9" * 40,
    "x" * 2000,
    "",
    "%20",
    "{}",
    "%5B%5D",
]
# Query keys the routes read, and keys that steer Flask's url_for or other code when passed on as given.
QUERY_KEYS = [
    "limit",
    "offset",
    "bbox",
    "q",
    "v",
    "lang",
    "format",
    "crs",
    "layers",
    "commune",
    "background",
    "next",
    "feature",
    "repair",
    "mode",
    "dry_run",
    "srid",
    "encoding",
    "_external",
    "endpoint",
    "_scheme",
]
HOSTILE_HEADERS = [
    {"Host": EVIL},
    {"Host": f"127.0.0.1@{EVIL}"},
    {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "gopher", "Forwarded": f"host={EVIL}"},
    {"X-Forwarded-For": "1.2.3.4, " + "9" * 500},
    {"Accept-Encoding": "gzip;q=NaN, *;q=-1, br;q=2"},
    {"Accept": "text/html;q=abc, */*;q=" + "9" * 50},
    {"Accept-Language": "'; DROP TABLE layer;--, en;q=x"},
    {"If-None-Match": '"' + "x" * 3000},
    {"If-Match": 'W/ nonsense, *, "1""2"'},
    {"If-Modified-Since": "yesterday"},
    {"Range": "bytes=9999999999-1"},
    {"Authorization": "Bearer " + "A" * 500},
    {"Authorization": "Basic %%%%"},
    {"Authorization": "Bearer '; DROP TABLE api_token;--"},
    {"Cookie": "atlas_session=garbage.garbage.garbage; lang=<script>"},
    {"Cookie": "lang=" + "e" * 3000},
    {"Content-Type": "multipart/form-data; boundary="},
    {"Content-Length": "-5"},
    {"Origin": "https://" + EVIL, "Referer": "https://" + EVIL + "/"},
]
HOSTILE_BODIES = [
    (b"{", "application/json"),
    (b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [NaN, Infinity]}}', "application/json"),
    (b"[" * 5000 + b"]" * 5000, "application/json"),
    (b'{"properties": {"name": "\\ud800"}}', "application/json"),
    (b'{"properties": {"name": "a\\u0000b"}, "\\u0000": 1}', "application/json"),
    ('{"properties": {"no_such_field": "' + "ư" * 10000 + '"}}', "application/json"),
    (b"\xff\xfe\x00\x00garbage", "application/octet-stream"),
    (
        b"--x\r\nContent-Disposition: form-data; name=file; filename=../../x.zip\r\n\r\nPK\x03\x04\r\n--x--",
        "multipart/form-data; boundary=x",
    ),
    (b"username=%00&password=" + b"p" * 5000, "application/x-www-form-urlencoded"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", "application/xml"),
]
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"]
SAMPLE_ARGS = {"layer_id": "rivers", "fid": "1", "ids": "rivers", "z": "8", "x": "203", "y": "113"}
SAMPLE_ARGS |= {"job_id": "a" * 24, "filename": "atlas.css"}
LEAKS = re.compile(r"Traceback|File \"/|psycopg2|SELECT .* FROM |syntax error at|werkzeug\.|jinja2\.")
URL_IN_TEXT = re.compile(r"(?:https?:)?//[^\s\"'<>)]+", re.I)
# Where a JSON or XML answer puts a link (error messages may quote what was sent, as text).
LINK_KEYS = ("href", "url", "next", "tiles", "download", "status_url", "tilejson")
XML_LINK = re.compile(r"<gmd:URL>([^<]*)</gmd:URL>")
LINK_ATTRIBUTE = re.compile(r"\b(?:href|src|action|content)=\"([^\"]*)\"", re.I)


def _database_fingerprint(url: str) -> str:
    """A digest of every row of every table the atlas owns (the migration log aside)."""
    conn = psycopg2.connect(url)
    digest = hashlib.sha256()
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables"
                " WHERE schemaname IN ('public', 'layerdata', 'layercells') AND tablename NOT LIKE '%yoyo%'"
                " AND tablename <> 'spatial_ref_sys' ORDER BY 1"
            )
            for (table,) in cur.fetchall():
                cur.execute(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t")
                digest.update(f"{table}:{cur.fetchone()[0]};".encode())
    finally:
        conn.close()
    return digest.hexdigest()


def _routes(app: Flask) -> Iterator[tuple[str, str]]:
    """(endpoint, concrete path) for every rule, with harmless sample values."""
    for rule in app.url_map.iter_rules():
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<(?:[a-z]+:)?{name}>", SAMPLE_ARGS.get(name, "1"), path)
        yield rule.endpoint, path


def _open_path(client: FlaskClient, path: str, method: str):
    """Ask for `path` exactly; one that starts with // the test client would read as a host, so it goes in PATH_INFO."""
    if not path.startswith("//"):
        return client.open(path, method=method)
    raw = unquote(path, encoding="latin-1")
    return client.open("/", method=method, environ_overrides={"PATH_INFO": raw, "RAW_URI": path, "REQUEST_URI": path})


def _methods(app: Flask, endpoint: str) -> set[str]:
    return {m for rule in app.url_map.iter_rules(endpoint) for m in rule.methods or ()}


def _hostile_paths(path: str) -> Iterator[str]:
    """The path with each of its parts replaced by each hostile value, and with hostile tails."""
    parts = path.split("/")
    for index in range(1, len(parts)):
        for value in HOSTILE_VALUES[:: 1 if index == len(parts) - 1 else 3]:
            yield "/".join([*parts[:index], value, *parts[index + 1 :]])
    for tail in ("/", "%2F", "/..", "/%2e%2e/%2e%2e/etc/passwd", ";jsessionid=1", "%00.json", "/" + "x" * 1500):
        yield path + tail


def _text(response) -> str:
    """The body as text, whatever it holds (tiles and zips are bytes)."""
    return response.get_data().decode("utf-8", "replace")


def _check(response, public_url: str, allowed_hosts: set[str], what: str) -> None:
    """The rules every answer keeps, whatever was asked."""
    body = _text(response)
    assert response.status_code < 500, f"{what}: {response.status_code} {body[:300]}"
    content_type = response.headers.get("Content-Type", "")
    assert content_type.count("charset") <= 1, f"{what}: {content_type}"
    assert not LEAKS.search(body), f"{what}: the body leaks internals: {LEAKS.search(body).group(0)}"
    # Headers name no other host (a Location is checked as a link below: it may carry what was asked, as data).
    others = "\n".join(f"{k}: {v}" for k, v in response.headers.items() if k != "Location")
    assert EVIL not in others, f"{what}: a header names the hostile host: {others}"
    links = [response.headers["Location"]] if "Location" in response.headers else []
    if response.mimetype == "text/html":
        links += [html.unescape(value) for value in LINK_ATTRIBUTE.findall(body)]
    elif response.is_json:
        links += list(_json_links(response.get_json(silent=True)))
    elif "xml" in response.mimetype:
        links += [html.unescape(value) for value in XML_LINK.findall(body)]
    for link in links:
        _check_link(link, public_url, what)
        target = re.sub(r"[\t\n\r]", "", link).partition("?")[0]
        if target.lower().startswith(("http://", "https://")):
            assert urlsplit(target).netloc.lower() in allowed_hosts, f"{what}: a link to another host: {link[:120]}"


def _json_links(value) -> Iterator[str]:
    """Every string a JSON answer holds under a link key (at any depth)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and key.lower().endswith(LINK_KEYS):
                yield item
            elif isinstance(item, list) and key.lower().endswith(LINK_KEYS):
                yield from (i for i in item if isinstance(i, str))
            else:
                yield from _json_links(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_links(item)


# Sites the atlas itself names (standards, licences), never a host taken from the request.
KNOWN_SITES = ("http://www.", "https://www.", "mailto:", "https://creativecommons.org/")


def _check_link(value: str, public_url: str, what: str) -> None:
    """A link must stay on the atlas: relative to its root, or its public URL (browsers drop tabs and newlines)."""
    link = re.sub(r"[\t\n\r]", "", value).strip()
    if not link or link[0] in "#?" or link.startswith(("data:", public_url + "/")) or link == public_url:
        return
    if ":" in link.split("/")[0]:  # a scheme (mailto:, or a full URL checked above)
        assert link.startswith(KNOWN_SITES) or "text/" in link, f"{what}: {link!r}"
        return
    if link.startswith("/"):
        assert not link.startswith(("//", "/\\")), f"{what}: a link that leaves the atlas: {link!r}"


@pytest.fixture(scope="module")
def baseline_hosts(client: FlaskClient, app: Flask, public_url: str) -> set[str]:
    """Hosts that ordinary answers name (the public URL, and XML namespaces and the like)."""
    hosts = {urlsplit(public_url).netloc}
    for endpoint, path in _routes(app):
        if endpoint == "static":
            continue
        body = _text(client.get(path))
        hosts |= {
            urlsplit(u if not u.startswith("//") else "http:" + u).netloc.lower() for u in URL_IN_TEXT.findall(body)
        }
    assert not any(EVIL in host for host in hosts)
    return hosts


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def editor(make_account) -> Account:
    """An editor of rivers, so hostile bodies reach the parsers behind the permission checks."""
    return make_account("editor", ["rivers"])


@pytest.fixture(scope="module", autouse=True)
def database_unchanged(database_url: str, editor: Account) -> Iterator[None]:
    before = _database_fingerprint(database_url)
    yield
    assert _database_fingerprint(database_url) == before, "a hostile request changed the database"


def test_hostile_paths_on_every_route(client, app, public_url, baseline_hosts):
    for endpoint, path in _routes(app):
        for hostile in _hostile_paths(path):
            for method in ("GET",) if endpoint == "static" or "POST" not in _methods(app, endpoint) else ("POST",):
                response = _open_path(client, hostile, method)
                _check(response, public_url, baseline_hosts, f"{method} {hostile[:120]}")


def test_hostile_query_parameters_on_every_route(client, app, public_url, baseline_hosts, editor):
    for endpoint, path in _routes(app):
        if endpoint == "static":
            continue
        # Each hostile value under a key of its own (the keys in turn), and every key with one value:
        # every value and every key is tried on every route without the product of both.
        pairs = [(QUERY_KEYS[i % len(QUERY_KEYS)], v) for i, v in enumerate(HOSTILE_VALUES)]
        pairs += [(key, HOSTILE_VALUES[(i * 7) % len(HOSTILE_VALUES)]) for i, key in enumerate(QUERY_KEYS)]
        for index, (key, value) in enumerate(pairs):
            url = f"{path}?{key}={value}&{key}=1&{quote(key)}[]={value}"
            headers = editor.bearer if index % 2 else {}
            _check(client.get(url, headers=headers), public_url, baseline_hosts, f"GET {url[:120]}")


def test_hostile_headers_on_every_route_and_method(client, app, public_url, baseline_hosts):
    for endpoint, path in _routes(app):
        methods = METHODS if endpoint != "static" else ["GET"]
        # Every hostile header set once (the methods in turn), and every method with a hostile Host.
        cases = [(methods[i % len(methods)], h) for i, h in enumerate(HOSTILE_HEADERS)]
        cases += [(method, HOSTILE_HEADERS[0]) for method in methods]
        for method, headers in cases:
            response = client.open(path, method=method, headers=headers)
            _check(response, public_url, baseline_hosts, f"{method} {path} {headers}")
            if "Host" in headers:
                assert response.status_code == 400


def test_hostile_bodies_on_every_route_and_method(client, app, public_url, baseline_hosts, editor):
    for endpoint, path in _routes(app):
        if endpoint == "static":
            continue
        writes = [m for m in ("POST", "PUT", "PATCH", "DELETE") if m in _methods(app, endpoint)] or ["POST"]
        for body, content_type in HOSTILE_BODIES:
            for method in writes:
                # A DELETE naming the current version would be a real delete: it is sent without If-Match (428).
                versions = [{"If-Match": '"1"'}] if method != "DELETE" else []
                for headers in ({}, editor.bearer, *(editor.bearer | v for v in versions)):
                    response = client.open(path, method=method, data=body, content_type=content_type, headers=headers)
                    _check(response, public_url, baseline_hosts, f"{method} {path} {content_type} {body[:40]!r}")
