"""Signing in and out, the login limiter, cookie flags, and the account commands, against the real database."""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from atlas import create_app
from tests.editing import count, csrf_token, row, sign_in, unique, well

LAYER = "groundwater_wells"
ROOT = Path(__file__).resolve().parent.parent


def _login(client, name: str, password: str, **data: str):
    return client.post("/login", data={"username": name, "password": password, "csrf_token": csrf_token(client)} | data)


def _client_from(app, address: str):
    """A test client whose requests come from `address` (the limiter counts per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _signed_in(client) -> bool:
    with client.session_transaction() as session:
        return "uid" in session


def _user(db, name: str) -> tuple | None:
    with db.cursor() as cur:
        cur.execute("SELECT id, role, password_hash FROM atlas_user WHERE name = %s", (name,))
        found = cur.fetchone()
    db.rollback()
    return found


def test_login_page_renders_in_vietnamese_and_english(client):
    vi = client.get("/login?lang=vi")
    assert vi.status_code == 200 and vi.mimetype == "text/html"
    html = vi.get_data(as_text=True)
    assert "Đăng nhập dành cho cán bộ" in html and "Mật khẩu" in html and 'name="csrf_token"' in html
    en = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in for officials" in en and "Password" in en and "Mật khẩu" not in en


def test_wrong_password_is_401_with_a_message_and_no_session(app, make_account):
    client = _client_from(app, "10.0.0.1")
    account = make_account("editor", [LAYER])
    response = _login(client, account.name, account.password + "x", next="/layers")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert not _signed_in(client)
    english = client.post(
        "/login?lang=en", data={"username": account.name, "password": "wrong", "csrf_token": csrf_token(client)}
    )
    assert english.status_code == 401 and "The user name or password is wrong." in english.get_data(as_text=True)
    unknown = _login(client, "nobody-" + secrets.token_hex(3), "whatever password")
    assert unknown.status_code == 401 and not _signed_in(client)
    write = client.post(f"/api/layers/{LAYER}/features", json=well(), headers={"X-CSRFToken": csrf_token(client)})
    assert write.status_code == 401


def test_login_without_csrf_token_is_refused(client, make_account):
    account = make_account("viewer")
    response = client.post("/login", data={"username": account.name, "password": account.password})
    assert response.status_code == 400 and not _signed_in(client)


def test_success_redirects_to_next_with_303(client, make_account):
    account = make_account("viewer")
    response = _login(client, account.name, account.password, next="/layers/rivers?lang=en")
    assert response.status_code == 303
    assert response.headers["Location"] == "/layers/rivers?lang=en"
    assert _signed_in(client)


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example",
        "http:/evil.example",
        "/\t/evil.example",
        "",
        "layers",
    ],
)
def test_next_never_leaves_the_site(client, make_account, target):
    account = make_account("viewer")
    form = client.get("/login", query_string={"next": target}).get_data(as_text=True)
    assert '<input type="hidden" name="next" value="/">' in form
    response = _login(client, account.name, account.password, next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_session_cookie_is_httponly_and_lax(client, make_account):
    account = make_account("viewer")
    response = _login(client, account.name, account.password)
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("atlas_session=")]
    assert len(cookies) == 1
    flags = [part.strip().lower() for part in cookies[0].split(";")]
    assert "httponly" in flags and "samesite=lax" in flags and "secure" not in flags


def test_session_cookie_is_secure_when_asked(database_url, make_account):
    secure = create_app({"database_url": database_url, "secure_cookies": True})
    try:
        client = secure.test_client()
        account = make_account("viewer")
        response = _login(client, account.name, account.password)
        assert response.status_code == 303
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("atlas_session="))
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    finally:
        secure.extensions["atlas.pool"].close()


def test_logout_needs_the_csrf_token(client, db, make_account):
    account = make_account("editor", [LAYER])
    token = sign_in(client, account)
    refused = client.post("/logout")
    assert refused.status_code == 400 and _signed_in(client)
    still = client.post(f"/api/layers/{LAYER}/features", json=well(), headers={"X-CSRFToken": token})
    assert still.status_code == 201
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert not _signed_in(client)
    after = client.post(f"/api/layers/{LAYER}/features", json=well(), headers={"X-CSRFToken": csrf_token(client)})
    assert after.status_code == 401
    assert row(db, LAYER, still.get_json()["id"])["updated_by"] == account.name


@pytest.fixture
def fresh_limiter(database_url):
    """An app of its own: its init resets the limiter's in-memory counts, whatever earlier tests tried."""
    limited = create_app({"database_url": database_url})
    try:
        yield limited
    finally:
        limited.extensions["atlas.pool"].close()


def test_five_failed_logins_for_one_account_make_the_next_wait(fresh_limiter, make_account):
    client = _client_from(fresh_limiter, "10.0.1.1")
    account = make_account("editor", [LAYER])
    for _ in range(5):
        assert _login(client, account.name, "wrong password").status_code == 401
    blocked = _login(client, account.name, account.password)
    assert blocked.status_code == 429 and not _signed_in(client)
    # The name is the key, however it is written.
    assert _login(client, account.name.upper(), account.password).status_code == 429
    # Another account from the same address may still sign in.
    other = make_account("viewer")
    assert _login(client, other.name, other.password).status_code == 303


def test_successful_logins_are_not_counted(fresh_limiter, make_account):
    client = _client_from(fresh_limiter, "10.0.1.2")
    account = make_account("viewer")
    for _ in range(7):
        assert _login(client, account.name, account.password).status_code == 303


def test_twenty_failed_logins_from_one_address_make_the_next_wait(fresh_limiter, make_account):
    client = _client_from(fresh_limiter, "10.0.1.3")
    for _ in range(20):
        assert _login(client, "nobody-" + secrets.token_hex(4), "wrong password").status_code == 401
    account = make_account("viewer")
    assert _login(client, account.name, account.password).status_code == 429
    elsewhere = _client_from(fresh_limiter, "10.0.1.4")
    assert _login(elsewhere, account.name, account.password).status_code == 303


def _cli(app, *args: str, password: str | None = None):
    return app.test_cli_runner().invoke(args=list(args), input=None if password is None else password + "\n")


def test_create_user_with_password_on_stdin(app, db, client):
    name = unique("lan")
    result = _cli(
        app,
        "create-user",
        name,
        "--role",
        "editor",
        "--layers",
        "water_permits,groundwater_wells",
        password="a long password",
    )
    assert result.exit_code == 0, result.output
    assert f"User {name} is now editor for groundwater_wells, water_permits." in result.output
    user_id, role, password_hash = _user(db, name)
    assert role == "editor"
    assert password_hash.startswith("scrypt:") and "a long password" not in password_hash
    grants = count(
        db,
        "SELECT count(*) FROM layer_grant WHERE user_id = %s AND layer_id IN ('water_permits', 'groundwater_wells')",
        user_id,
    )
    assert grants == 2
    response = client.post(
        "/login", data={"username": name, "password": "a long password", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 303


def test_create_user_again_changes_role_password_and_grants(app, db):
    name = unique("mai")
    assert (
        _cli(
            app, "create-user", name, "--role", "editor", "--layers", "reservoirs", password="first password"
        ).exit_code
        == 0
    )
    first_id, _, first_hash = _user(db, name)
    result = _cli(app, "create-user", name, "--role", "viewer", password="second password")
    assert result.exit_code == 0, result.output
    user_id, role, password_hash = _user(db, name)
    assert (user_id, role) == (first_id, "viewer") and password_hash != first_hash
    assert count(db, "SELECT count(*) FROM layer_grant WHERE user_id = %s", user_id) == 0


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "editor", "--layers", "water_permits,no_such_layer"], "a long password", "no_such_layer"),
        (["--role", "superuser"], "a long password", "admin, editor, viewer"),
        (["--role", "editor", "--layers", "water_permits"], "short", "at least 10 characters"),
        (["--role", "admin", "--layers", "water_permits"], "a long password", "Only editors"),
    ],
)
def test_create_user_refuses_with_a_clear_error_and_creates_nothing(app, db, args, password, message):
    name = unique("bad")
    result = _cli(app, "create-user", name, *args, password=password)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert _user(db, name) is None


def test_create_user_refuses_a_bad_name(app, db):
    result = _cli(app, "create-user", "has space", "--role", "viewer", password="a long password")
    assert result.exit_code == 1 and "user name" in result.output
    assert _user(db, "has space") is None


def test_failed_change_keeps_the_existing_account(app, db, make_account):
    account = make_account("editor", [LAYER])
    before = _user(db, account.name)
    result = _cli(app, "create-user", account.name, "--role", "editor", "--layers", "nope", password="another password")
    assert result.exit_code == 1
    assert _user(db, account.name) == before
    assert count(db, "SELECT count(*) FROM layer_grant WHERE user_id = %s", before[0]) == 1


def test_tokens_are_printed_once_work_as_bearer_and_can_be_revoked(app, db, client):
    name = unique("tuan")
    assert (
        _cli(app, "create-user", name, "--role", "editor", "--layers", LAYER, password="a long password").exit_code == 0
    )
    result = _cli(app, "create-token", name)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("atlas_") and "\n" not in token and len(token) > 40
    user_id = _user(db, name)[0]
    # Only the SHA-256 of the secret is kept, in the one column there is for it.
    digest = hashlib.sha256(token.encode()).digest()
    with db.cursor() as cur:
        cur.execute("SELECT secret_sha256, to_jsonb(t)::text FROM api_token t WHERE user_id = %s", (user_id,))
        stored = cur.fetchall()
    db.rollback()
    assert len(stored) == 1 and bytes(stored[0][0]) == digest and token not in stored[0][1]
    headers = {"Authorization": f"Bearer {token}"}
    created = client.post(f"/api/layers/{LAYER}/features", json=well(), headers=headers)
    assert created.status_code == 201
    assert row(db, LAYER, created.get_json()["id"])["updated_by"] == name
    revoked = _cli(app, "revoke-token", name)
    assert revoked.exit_code == 0 and "Revoked 1 token(s)" in revoked.output
    assert client.post(f"/api/layers/{LAYER}/features", json=well(), headers=headers).status_code == 401
    again = _cli(app, "revoke-token", name)
    assert again.exit_code == 1 and "no live token" in again.output


def test_revoke_one_token_by_id_keeps_the_others(app, client):
    name = unique("hoa")
    assert (
        _cli(app, "create-user", name, "--role", "editor", "--layers", LAYER, password="a long password").exit_code == 0
    )
    first, second = _cli(app, "create-token", name), _cli(app, "create-token", name)
    first_id = first.stderr.split()[1]
    assert _cli(app, "revoke-token", name, "--id", first_id).exit_code == 0
    as_first = client.post(
        f"/api/layers/{LAYER}/features", json=well(), headers={"Authorization": f"Bearer {first.stdout.strip()}"}
    )
    as_second = client.post(
        f"/api/layers/{LAYER}/features", json=well(), headers={"Authorization": f"Bearer {second.stdout.strip()}"}
    )
    assert (as_first.status_code, as_second.status_code) == (401, 201)


def test_create_token_for_an_unknown_user_fails(app):
    result = _cli(app, "create-token", unique("ghost"))
    assert result.exit_code == 1 and "no active user" in result.output


def test_list_users_lists_them(app):
    name = unique("linh")
    assert (
        _cli(
            app,
            "create-user",
            name,
            "--role",
            "editor",
            "--layers",
            "reservoirs,patrol_routes",
            password="a long password",
        ).exit_code
        == 0
    )
    assert _cli(app, "create-token", name).exit_code == 0
    result = _cli(app, "list-users")
    assert result.exit_code == 0
    line = next(line for line in result.output.splitlines() if line.startswith(name))
    assert line.split()[:3] == [name, "editor", "1"] and line.endswith("patrol_routes, reservoirs")


def test_the_flask_command_reads_the_password_from_a_pipe(database_url, db):
    """The command as the README gives it, in its own process, with the password piped in."""
    name = unique("pipe")
    flask = Path(sys.executable).with_name("flask")
    result = subprocess.run(
        [str(flask), "--app", "wsgi", "create-user", name, "--role", "editor", "--layers", LAYER],
        input="piped password\n",
        cwd=ROOT,
        env=os.environ | {"ATLAS_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert f"User {name} is now editor for {LAYER}." in result.stdout
    assert _user(db, name)[2].startswith("scrypt:")
    refused = subprocess.run(
        [str(flask), "--app", "wsgi", "create-user", unique("pipe"), "--role", "root"],
        input="piped password\n",
        cwd=ROOT,
        env=os.environ | {"ATLAS_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 1 and "The role must be one of admin, editor, viewer" in refused.stderr
