"""Writes racing each other through a real threaded HTTP server, and a write that fails at commit."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from atlas import create_app
from tests.editing import count, etag, history, layer_snapshot, row, unique, well

LAYER = "groundwater_wells"
TIMEOUT = 30


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    """The app served by werkzeug's threaded server on a free loopback port; yields its base URL."""
    app = create_app({"database_url": database_url, "pool_size": 20})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        app.extensions["atlas.pool"].close()


@pytest.fixture(scope="module")
def editor(make_account):
    """An editor of the wells layer."""
    return make_account("editor", [LAYER])


def _at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls on their own threads, released together by a barrier; their responses in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait(timeout=TIMEOUT)
        try:
            results[index] = calls[index]()
        except Exception as exc:  # reported below, so a broken thread fails the test instead of hanging it
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=TIMEOUT * 2)
    for result in results:
        assert isinstance(result, requests.Response), result
    return results


def _create(server: str, editor, body: dict) -> dict:
    response = requests.post(f"{server}/api/layers/{LAYER}/features", json=body, headers=editor.bearer, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.mark.parametrize("round_", range(5))
def test_two_puts_from_one_version_end_in_one_success_and_one_conflict(server, db, editor, round_):
    code = unique("GW")
    fid = _create(server, editor, well(code, depth_m=10))["id"]
    url = f"{server}/api/layers/{LAYER}/features/{fid}"
    bodies = [
        well(
            code, depth_m=100 + round_, status="operating", geometry={"type": "Point", "coordinates": [105.51, 19.91]}
        ),
        well(
            code,
            depth_m=200 + round_,
            commune="Xã Hà Trung",
            geometry={"type": "Point", "coordinates": [105.52, 19.92]},
        ),
    ]
    responses = _at_once(
        [lambda b=b: requests.put(url, json=b, headers=editor.bearer | etag(1), timeout=TIMEOUT) for b in bodies]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 412], [r.text for r in responses]
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    loser = responses[1 - winner]
    stored = row(db, LAYER, fid)
    expected = bodies[winner]
    assert stored["version"] == 2
    for name in ("well_code", "depth_m", "status", "commune"):
        assert stored[name] == expected["properties"].get(name), name
    x, y = expected["geometry"]["coordinates"]
    assert stored["wkt"] == f"POINT({x} {y})"
    conflict = loser.json()["error"]
    assert conflict["code"] == "version_conflict"
    assert conflict["current"] == requests.get(url, timeout=TIMEOUT).json()
    assert {c["field"] for c in conflict["changes"]} >= {"depth_m", "geometry"}
    assert [(e["version"], e["operation"]) for e in history(db, LAYER, fid)] == [(1, "create"), (2, "update")]


def test_two_unconditional_patches_of_different_fields_keep_both(server, db, editor):
    for _ in range(3):
        fid = _create(server, editor, well(depth_m=10, status="operating"))["id"]
        url = f"{server}/api/layers/{LAYER}/features/{fid}"
        patches = [{"properties": {"depth_m": 321}}, {"properties": {"status": "idle"}}]
        responses = _at_once(
            [lambda p=p, u=url: requests.patch(u, json=p, headers=editor.bearer, timeout=TIMEOUT) for p in patches]
        )
        assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        stored = row(db, LAYER, fid)
        assert (stored["depth_m"], stored["status"], stored["version"]) == (321, "idle", 3)
        entries = history(db, LAYER, fid)
        assert [e["version"] for e in entries] == [1, 2, 3]
        assert all(e["unconditional"] for e in entries[1:])


def test_fifty_writers_on_fifty_features_all_succeed(server, db, editor):
    fids = [_create(server, editor, well(depth_m=1))["id"] for _ in range(50)]
    calls = [
        lambda fid=fid, n=n: requests.patch(
            f"{server}/api/layers/{LAYER}/features/{fid}",
            json={"properties": {"depth_m": n + 2}},
            headers=editor.bearer | etag(1),
            timeout=TIMEOUT,
        )
        for n, fid in enumerate(fids)
    ]
    responses = _at_once(calls)
    assert [r.status_code for r in responses] == [200] * 50, {r.status_code: r.text for r in responses}
    for n, fid in enumerate(fids):
        stored = row(db, LAYER, fid)
        assert (stored["depth_m"], stored["version"]) == (n + 2, 2)
        updates = [e for e in history(db, LAYER, fid) if e["operation"] == "update"]
        assert len(updates) == 1 and updates[0]["version"] == 2


def test_fifty_creates_at_once_each_get_one_history_row(server, db, editor):
    codes = [unique("GW-par") for _ in range(50)]
    calls = [
        lambda c=c: requests.post(
            f"{server}/api/layers/{LAYER}/features", json=well(c), headers=editor.bearer, timeout=TIMEOUT
        )
        for c in codes
    ]
    responses = _at_once(calls)
    assert [r.status_code for r in responses] == [201] * 50
    fids = [r.json()["id"] for r in responses]
    assert len(set(fids)) == 50
    for code, fid in zip(codes, fids, strict=True):
        assert row(db, LAYER, fid)["well_code"] == code
        assert [(e["version"], e["operation"]) for e in history(db, LAYER, fid)] == [(1, "create")]


def test_two_reverts_bringing_back_one_deleted_feature_end_in_one_success_and_one_conflict(server, db, editor):
    for _ in range(3):
        code = unique("GW")
        fid = _create(server, editor, well(code, depth_m=10))["id"]
        url = f"{server}/api/layers/{LAYER}/features/{fid}"
        assert requests.delete(url, headers=editor.bearer | etag(1), timeout=TIMEOUT).status_code == 204
        responses = _at_once(
            # Both based on the newest version the history shows: the delete (2).
            [
                lambda u=url: requests.post(
                    u + "/revert", json={"version": 1}, headers=editor.bearer | etag(2), timeout=TIMEOUT
                )
            ]
            * 2
        )
        assert sorted(r.status_code for r in responses) == [200, 412], [r.text for r in responses]
        stored = row(db, LAYER, fid)
        assert (stored["well_code"], stored["depth_m"], stored["version"]) == (code, 10, 3)
        assert [e["operation"] for e in history(db, LAYER, fid)] == ["create", "delete", "revert"]


FAULT_FUNCTION = """
CREATE FUNCTION public.test_fault_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.well_code LIKE 'FAULT-%' OR NEW.depth_m = 999 THEN
        RAISE EXCEPTION 'fault injected at commit: secret-detail-7f3a';
    END IF;
    RETURN NULL;
END;
$$;
"""


@pytest.fixture
def fault_at_commit(db):
    """A deferred constraint trigger on the wells table that fails the commit of chosen rows."""
    with db.cursor() as cur:
        cur.execute(FAULT_FUNCTION)
        cur.execute(
            f"CREATE CONSTRAINT TRIGGER test_fault_at_commit AFTER INSERT OR UPDATE ON layerdata.{LAYER}"
            " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.test_fault_at_commit()"
        )
    db.commit()
    try:
        yield
    finally:
        with db.cursor() as cur:
            cur.execute(f"DROP TRIGGER IF EXISTS test_fault_at_commit ON layerdata.{LAYER}")
            cur.execute("DROP FUNCTION IF EXISTS public.test_fault_at_commit()")
        db.commit()


def _tile_changes(db) -> int:
    """The newest change recorded in the layer's tile ranges (a range keeps only its latest one)."""
    return count(db, "SELECT coalesce(max(revision), 0) FROM tile_change WHERE layer_id = %s", LAYER)


def _assert_clean_500(response: requests.Response) -> None:
    assert 500 <= response.status_code < 600
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == "internal_error" and error["message"]
    for leak in ("Traceback", "secret-detail", "fault injected", "RAISE", "UPDATE", "INSERT", "layerdata", "psycopg2"):
        assert leak not in response.text, leak


def test_a_write_failing_at_commit_leaves_no_trace(server, db, editor, fault_at_commit):
    fid = _create(server, editor, well(depth_m=10))["id"]
    url = f"{server}/api/layers/{LAYER}/features/{fid}"
    before_row, before_layer, before_tiles = row(db, LAYER, fid), layer_snapshot(db, LAYER), _tile_changes(db)
    response = requests.patch(
        url, json={"properties": {"depth_m": 999}}, headers=editor.bearer | etag(1), timeout=TIMEOUT
    )
    _assert_clean_500(response)
    assert row(db, LAYER, fid) == before_row
    assert layer_snapshot(db, LAYER) == before_layer
    assert _tile_changes(db) == before_tiles
    assert len(history(db, LAYER, fid)) == 1
    # The connection that failed went back to the pool in a usable state.
    for _ in range(25):
        assert requests.get(url, timeout=TIMEOUT).json()["version"] == 1
    # The same write without the fault goes through and leaves every trace the failed one did not.
    ok = requests.patch(url, json={"properties": {"depth_m": 11}}, headers=editor.bearer | etag(1), timeout=TIMEOUT)
    assert ok.status_code == 200
    assert row(db, LAYER, fid)["depth_m"] == 11 and len(history(db, LAYER, fid)) == 2
    assert _tile_changes(db) > before_tiles and layer_snapshot(db, LAYER)[3] > before_layer[3]


def test_a_create_failing_at_commit_leaves_no_trace(server, db, editor, fault_at_commit):
    code = "FAULT-" + unique("GW")
    before_layer, before_tiles = layer_snapshot(db, LAYER), _tile_changes(db)
    response = requests.post(
        f"{server}/api/layers/{LAYER}/features", json=well(code), headers=editor.bearer, timeout=TIMEOUT
    )
    _assert_clean_500(response)
    assert count(db, f"SELECT count(*) FROM layerdata.{LAYER} WHERE well_code = %s", code) == 0
    assert count(db, "SELECT count(*) FROM feature_history WHERE after_properties->>'well_code' = %s", code) == 0
    assert layer_snapshot(db, LAYER) == before_layer
    assert _tile_changes(db) == before_tiles


def test_a_chunked_body_over_the_limit_is_413(database_url, db, editor):
    small = create_app({"database_url": database_url, "max_body_kb": 16})
    httpd = make_server("127.0.0.1", 0, small, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        before = layer_snapshot(db, LAYER)
        padding = b'"' + b"x" * 40 * 1024 + b'"'
        chunks = iter([b'{"type": "Feature", "padding": ', padding, b', "properties": {"well_code": "GW-big"}}'])
        response = requests.post(
            f"http://127.0.0.1:{httpd.server_port}/api/layers/{LAYER}/features",
            data=chunks,  # a generator: sent chunked, with no Content-Length to check up front
            headers=editor.bearer | {"Content-Type": "application/json"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 413, response.text
        assert response.json()["error"]["code"] == "payload_too_large"
        assert layer_snapshot(db, LAYER) == before
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        small.extensions["atlas.pool"].close()
