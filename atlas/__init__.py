"""The Flask app of the Thanh Hóa electronic atlas."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from inspect import CO_COROUTINE
from pathlib import Path
from types import FunctionType
from typing import Any

from flask import Flask

from atlas import (
    api,
    cli,
    edit_api,
    editor_views,
    errors,
    export_views,
    health,
    import_views,
    login_views,
    map_views,
    metrics,
    pages,
    tile_views,
)
from atlas.auth import init_auth
from atlas.db import ConnectionPool, Session
from atlas.i18n import init_i18n
from atlas.ogc import bp as ogc_bp
from atlas.public_host import init_public_host
from atlas.request_limits import init_request_limits
from atlas.requestdb import release_request_connection
from atlas.security_headers import init_security_headers
from atlas.settings import Settings, load_settings
from atlas.tile_lane import init_tile_lane
from tiles.cache import MemoryTileCache, NoTileCache, RedisTileCache

ROOT = Path(__file__).resolve().parent.parent


class AtlasFlask(Flask):
    """Flask, telling plain functions from `async def` ones by their code flag.

    Flask asks `inspect.iscoroutinefunction` of every hook and view on every request (ten for a
    tile), which unwraps and inspects each one; a plain `def` needs only its code flag read.
    """

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """`func` itself when it is a plain function; otherwise as Flask decides."""
        if type(func) is FunctionType and not func.__code__.co_flags & CO_COROUTINE:
            return func
        return super().ensure_sync(func)


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from ATLAS_* settings (and overrides); connects to nothing until a request needs it."""
    settings = load_settings(overrides=overrides)
    app = AtlasFlask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "atlas" / "static"))
    app.config.update(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["atlas.settings"] = settings
    app.extensions["atlas.pool"] = ConnectionPool(
        settings.database_url, settings.pool_size, settings.pool_timeout_s, Session(settings.statement_timeout_ms)
    )
    # Tiles get sessions of their own: the tile timeout is their statement timeout, and each tile
    # is one statement that commits alone, so a tile costs no BEGIN, SET or ROLLBACK round trip.
    app.extensions["atlas.tile_pool"] = ConnectionPool(
        settings.database_url, settings.pool_size, settings.pool_timeout_s, Session(settings.tile_timeout_ms, True)
    )
    app.extensions["atlas.tile_cache"] = _tile_cache(settings)
    app.teardown_appcontext(release_request_connection)
    # First: its check runs before any other, and it sits inside ProxyFix so the public scheme wins.
    init_public_host(app, settings)
    init_request_limits(app)
    init_i18n(app)
    init_auth(app, settings)
    # Outermost: the public's plain tile requests are answered before Flask and its middleware (atlas/tile_lane.py).
    init_tile_lane(app)
    init_security_headers(app)
    errors.register(app)
    blueprints = (
        health.bp,
        api.bp,
        edit_api.bp,
        editor_views.bp,
        export_views.bp,
        import_views.bp,
        login_views.bp,
        pages.bp,
        tile_views.bp,
        metrics.bp,
        map_views.bp,
        ogc_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    cli.register(app)
    return app


def _tile_cache(settings: Settings) -> MemoryTileCache | NoTileCache | RedisTileCache:
    if settings.tile_cache_mb == 0:
        return NoTileCache()
    if settings.redis_url:
        return RedisTileCache(settings.redis_url)
    return MemoryTileCache(settings.tile_cache_mb * 1024 * 1024)
