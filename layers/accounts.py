"""Accounts of the atlas: users with a role, per-layer grants for editors, and API tokens.

Passwords are hashed with werkzeug's scrypt; tokens are random secrets of which only a SHA-256
is stored (a 256-bit secret needs no slow hash: it cannot be guessed from a dictionary).
"""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from dataclasses import dataclass

from psycopg2 import sql
from psycopg2.extensions import connection as Connection
from werkzeug.security import check_password_hash, generate_password_hash

from layers.errors import Forbidden, InvalidInput, LayerNotFound, NotFound

ROLES = ("admin", "editor", "viewer")
USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "atlas_"


@functools.cache
def _dummy_hash() -> str:
    """A hash to check against when the user does not exist, so a wrong name costs as long as a wrong password.
    Made on first use: scrypt costs every command-line start 80 ms otherwise."""
    return generate_password_hash("not a password of anyone", method="scrypt")


@dataclass(frozen=True)
class User:
    """A signed-in person or script: name, role and the layers an editor may write."""

    id: int
    name: str
    role: str
    layers: frozenset[str]
    session_epoch: int = 1

    def may_edit(self, layer_id: str) -> bool:
        """Admins edit every layer, editors the layers granted to them, viewers none."""
        return self.role == "admin" or (self.role == "editor" and layer_id in self.layers)


@dataclass(frozen=True)
class UserListing:
    """One line of `list-users`."""

    name: str
    role: str
    layers: tuple[str, ...]
    active_tokens: int
    created_at: str


def check_user_name(name: str) -> str:
    """The name if it can be a user name, else InvalidInput."""
    if not USER_NAME.fullmatch(name):
        raise InvalidInput(
            "A user name is 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit."
        )
    return name


def check_password(password: str) -> str:
    """The password if it is long enough, else InvalidInput."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_PASSWORD_LENGTH} characters.")
    return password


def check_role(role: str) -> str:
    """The role if it is one of ROLES, else InvalidInput."""
    if role not in ROLES:
        raise InvalidInput(f"The role must be one of {', '.join(ROLES)} (got '{role}').")
    return role


def create_user(conn: Connection, name: str, role: str, password: str, layer_ids: tuple[str, ...] = ()) -> User:
    """Add a user (or replace the role, password and grants of an existing one); commits."""
    check_user_name(name)
    check_password(password)
    check_role(role)
    if layer_ids and role != "editor":
        raise InvalidInput("Only editors hold grants for layers: admins edit every layer and viewers none.")
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM layer WHERE id = ANY(%s)", (list(layer_ids),))
        known = {row[0] for row in cur.fetchall()}
        for layer_id in layer_ids:
            if layer_id not in known:
                raise LayerNotFound(layer_id)
        cur.execute(
            "INSERT INTO atlas_user (name, role, password_hash) VALUES (%s, %s, %s)"
            " ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash,"
            " session_epoch = atlas_user.session_epoch + 1, active = true RETURNING id, session_epoch",
            (name, role, generate_password_hash(password, method="scrypt")),
        )
        user_id, epoch = cur.fetchone()
        cur.execute("DELETE FROM layer_grant WHERE user_id = %s", (user_id,))
        cur.executemany(
            "INSERT INTO layer_grant (user_id, layer_id) VALUES (%s, %s)", [(user_id, lid) for lid in layer_ids]
        )
    conn.commit()
    return User(user_id, name, role, frozenset(layer_ids), epoch)


# The ways an account is looked up; each condition binds its one value as a parameter.
_USER_BY = {
    "name": sql.SQL("u.name = %s"),
    "id": sql.SQL("u.id = %s"),
    # One round trip: every API write starts here.
    "token": sql.SQL("u.id = (SELECT user_id FROM api_token WHERE secret_sha256 = %s AND revoked_at IS NULL)"),
}


def _load_user(conn: Connection, by: str, value: object) -> tuple[User, str] | None:
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                "SELECT u.id, u.name, u.role, u.session_epoch, u.password_hash,"
                " coalesce(array_agg(g.layer_id) FILTER (WHERE g.layer_id IS NOT NULL), '{{}}')"
                " FROM atlas_user u LEFT JOIN layer_grant g ON g.user_id = u.id"
                " WHERE u.active AND {} GROUP BY u.id"
            ).format(_USER_BY[by]),
            (value,),
        )
        row = cur.fetchone()
    if row is None:
        return None
    user_id, name, role, epoch, password_hash, layers = row
    return User(user_id, name, role, frozenset(layers), epoch), password_hash


def authenticate(conn: Connection, name: str, password: str) -> User | None:
    """The user when the name and password match an active account, else None."""
    found = _load_user(conn, "name", name) if USER_NAME.fullmatch(name) else None
    if found is None:
        check_password_hash(_dummy_hash(), password)
        return None
    user, password_hash = found
    return user if check_password_hash(password_hash, password) else None


def user_by_id(conn: Connection, user_id: int) -> User | None:
    """The active user with this id, or None."""
    found = _load_user(conn, "id", user_id)
    return found[0] if found else None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def create_token(conn: Connection, name: str) -> tuple[int, str]:
    """A new API token for the user: (its id, the secret, shown this once); commits."""
    found = _load_user(conn, "name", name)
    if found is None:
        raise NotFound(f"There is no active user called '{name}'.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO api_token (user_id, secret_sha256) VALUES (%s, %s) RETURNING id",
            (found[0].id, _digest(secret)),
        )
        (token_id,) = cur.fetchone()
    conn.commit()
    return token_id, secret


def user_by_token(conn: Connection, secret: str) -> User | None:
    """The user a valid, unrevoked token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    found = _load_user(conn, "token", _digest(secret))
    return found[0] if found else None


def revoke_tokens(conn: Connection, name: str, token_id: int | None = None) -> int:
    """Revoke one token of the user (by id) or all of them; returns how many; commits."""
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE api_token t SET revoked_at = now() FROM atlas_user u"
            " WHERE t.user_id = u.id AND u.name = %s AND t.revoked_at IS NULL AND (%s::bigint IS NULL OR t.id = %s)",
            (name, token_id, token_id),
        )
        count = cur.rowcount
    conn.commit()
    return count


def list_users(conn: Connection) -> list[UserListing]:
    """Every active user with role, grants and number of live tokens, by name."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT u.name, u.role,"
            " coalesce((SELECT array_agg(layer_id ORDER BY layer_id) FROM layer_grant g WHERE g.user_id = u.id), '{}'),"
            " (SELECT count(*) FROM api_token t WHERE t.user_id = u.id AND t.revoked_at IS NULL),"
            " to_char(u.created_at, 'YYYY-MM-DD')"
            " FROM atlas_user u WHERE u.active ORDER BY u.name"
        )
        return [UserListing(name, role, tuple(layers), tokens, created) for name, role, layers, tokens, created in cur]


def require_editor(user: User | None, layer_id: str) -> User:
    """The user when they may edit the layer; Forbidden otherwise (callers check sign-in first)."""
    if user is None or not user.may_edit(layer_id):
        raise Forbidden("Your account may not edit this layer; ask an administrator for a grant.")
    return user
