"""Who is asking: signed session cookies for people (with CSRF on every write), Bearer tokens for scripts,
and HTTP Basic over the same accounts for desktop GIS on /ogc (QGIS's authentication manager sends it).

A session holds the user's id, the account's session epoch and the sign-in time; it ends after
ATLAS_SESSION_MINUTES, on sign-out, or when the account's password changes. Failed sign-ins are
slowed down per account and per address by Flask-Limiter.
"""

from __future__ import annotations

import base64
import binascii
import functools
import time
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import psycopg2
from flask import Flask, Request, current_app, g, request, session
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from limits import parse as parse_limit
from werkzeug.middleware.proxy_fix import ProxyFix

from atlas.requestdb import request_connection
from atlas.settings import Settings
from layers.access import OFFICIAL, PUBLIC, Access
from layers.accounts import User, authenticate, user_by_id, user_by_token
from layers.errors import AtlasError, NotAuthenticated, TooManyAttempts

csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, strategy="moving-window")
# Failed sign-ins allowed before the next try must wait: per account, and per address.
FAILED_LOGINS_PER_ACCOUNT = "5 per 5 minutes"
FAILED_LOGINS_PER_ADDRESS = "20 per 5 minutes"
# Where Flask-Limiter keeps a request's checked limits, on the request context, once a limit is checked.
LIMITER_STATE = "_limiter_request_context"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with no signer built for a request that brings no session cookie."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """An empty session when there is no cookie (most map and tile requests), else the signed one."""
        # No Cookie header at all (a tile from a script, a map without a session): nothing to parse.
        if "HTTP_COOKIE" not in request.environ or self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)


def init_auth(app: Flask, settings: Settings) -> None:
    """Cookie flags, CSRF (checked by hand: token requests need none), the login limiter and proxies."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        SESSION_COOKIE_NAME="atlas_session",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session it belongs to
        MAX_CONTENT_LENGTH=settings.max_body_kb * 1024,
        RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
        RATELIMIT_HEADERS_ENABLED=False,
    )
    app.session_interface = CookieSessions()
    csrf.init_app(app)
    limiter.init_app(app)
    # The limits are only the sign-in view's decorators, which check themselves; the middleware
    # would look for default and blueprint limits (there are none) on every request, tiles too.
    app.before_request_funcs[None].remove(limiter._check_request_limit)
    _limiter_hooks_only_after_limits(app)
    if settings.trusted_proxies:
        # Behind our own nginx the client's address is in X-Forwarded-For; trust exactly that many hops.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)  # type: ignore[method-assign]
    app.context_processor(lambda: {"page_user": page_user})


def _limiter_hooks_only_after_limits(app: Flask) -> None:
    """Run Flask-Limiter's after-request hook (which deducts failed sign-ins) and its teardown only
    where a limit was checked: elsewhere, tiles among them, each built the limiter's state to find it empty.
    """

    def guarded(hook: Callable) -> Callable:
        @functools.wraps(hook)
        def run(value):  # the response (after the request), or the exception (at teardown)
            return hook(value) if hasattr(request_ctx, LIMITER_STATE) else value

        return run

    def is_limiters(hook: Callable) -> bool:
        owner = getattr(hook, "__self__", None) or (getattr(hook, "args", None) or (None,))[0]
        return owner is limiter

    for hooks in (app.after_request_funcs[None], app.teardown_request_funcs[None]):
        hooks[:] = [guarded(hook) if is_limiters(hook) else hook for hook in hooks]


def sign_in(user: User) -> None:
    """Start a fresh session for the user (a new cookie, so a planted one is never reused)."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    session["at"] = int(time.time())


def sign_out() -> None:
    """Forget the session."""
    session.clear()


def _authorization() -> str:
    # From the environ: request.headers raises (and catches) a KeyError for a header that is absent.
    return request.environ.get("HTTP_AUTHORIZATION", "")


def _bearer_token() -> str | None:
    header = _authorization()
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


# Basic credentials are taken only by the OGC API, whose clients cannot show a sign-in form.
BASIC_PREFIX = "/ogc"


def _basic_credentials() -> tuple[str, str] | None:
    header = _authorization()
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not (request.path == BASIC_PREFIX or request.path.startswith(BASIC_PREFIX + "/")):
        return None
    try:
        name, colon, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise NotAuthenticated("The Basic credentials cannot be read (base64 of name:password, UTF-8).") from None
    if not colon:
        raise NotAuthenticated("The Basic credentials need a name and a password (name:password).")
    return name, password


def _basic_user(name: str, password: str) -> User:
    """The account of a Basic sign-in; failures count against the same limits as /login's."""
    limits = [
        (parse_limit(FAILED_LOGINS_PER_ACCOUNT), "basic-account", name.strip().lower()[:64]),
        (parse_limit(FAILED_LOGINS_PER_ADDRESS), "basic-address", get_remote_address()),
    ]
    if not all(limiter.limiter.test(item, scope, key) for item, scope, key in limits):
        raise TooManyAttempts("Too many failed attempts; please wait a few minutes before trying again.")
    user = authenticate(request_connection(), name, password)
    if user is None:
        for item, scope, key in limits:
            limiter.limiter.hit(item, scope, key)
        raise NotAuthenticated("The name or password is not right.")
    return user


def _session_user() -> User | None:
    if "uid" not in session:
        return None
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    if not isinstance(session.get("at"), int) or time.time() - session["at"] > lifetime:
        g.atlas_session_expired = True
        return None
    user = user_by_id(request_connection(), session["uid"]) if isinstance(session["uid"], int) else None
    if user is None or user.session_epoch != session.get("epoch"):
        g.atlas_session_expired = True
        return None
    return user


def current_user() -> User | None:
    """The user of this request: by Bearer token or Basic (on /ogc), else by session; None when anonymous."""
    if "atlas_user" not in g:
        token = _bearer_token()
        basic = _basic_credentials() if token is None else None
        if basic is not None:
            g.atlas_user = _basic_user(*basic)
            g.atlas_by_token = True  # like a token, Basic comes with every request and needs no CSRF token
        elif token is not None:
            g.atlas_user = user_by_token(request_connection(), token)
            g.atlas_by_token = True
            if g.atlas_user is None:
                raise NotAuthenticated("The API token is not valid or has been revoked.")
        else:
            g.atlas_user = _session_user()
            g.atlas_by_token = False
    return g.atlas_user


def request_access() -> Access:
    """The audience of this request, the one place it is decided: any signed-in account is an official.

    An invalid Bearer token is refused (401) rather than served as the public, so a script notices.
    """
    return OFFICIAL if current_user() is not None else PUBLIC


def page_user() -> User | None:
    """The signed-in user for a page's header and links; None when anonymous or when that cannot be told.

    Pages (error pages among them) must render even with a bad token or the database down.
    """
    try:
        return current_user()
    except (AtlasError, psycopg2.Error):
        return None


def require_user() -> User:
    """The signed-in user; NotAuthenticated (401) when there is none or the session has expired."""
    user = current_user()
    if user is None:
        if g.get("atlas_session_expired"):
            raise NotAuthenticated("Your session has expired; please sign in again.")
        raise NotAuthenticated("Please sign in, or send an API token (Authorization: Bearer …).")
    return user


def require_writer() -> User:
    """The signed-in user of a write: cookie sessions must also carry the CSRF token (400 without)."""
    user = require_user()
    if not g.atlas_by_token:
        csrf.protect()
    return user


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only, never another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in target):
        return "/"
    return target


def login_username() -> str:
    """The account a sign-in attempt names (the key of the per-account limit)."""
    return "account:" + (request.form.get("username") or "").strip().lower()[:64]
