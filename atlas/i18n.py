"""Vietnamese first, English on a switch: Flask-Babel with the language chosen by ?lang= and a cookie.

Messages are written in Vietnamese in the code and templates; translations/<part>/en holds
their English. Each part of the app (pages, map) keeps its own catalogue so they can grow apart.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, Response, g, request
from flask_babel import Babel

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def current_language() -> str:
    """The language of this request: ?lang=, then the cookie, then Vietnamese."""
    if "atlas_lang" not in g:
        asked = request.args.get("lang") or request.cookies.get(COOKIE)
        g.atlas_lang = asked if asked in LANGUAGES else DEFAULT_LANGUAGE
    return g.atlas_lang


def _remember_language(response: Response) -> Response:
    asked = request.args.get("lang")
    # Only pages remember the choice: a tile or TileJSON a CDN may keep must carry no cookie.
    if response.mimetype != "text/html":
        return response
    if asked in LANGUAGES and request.cookies.get(COOKIE) != asked:
        response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
    return response


def init_i18n(app: Flask) -> None:
    """Install Flask-Babel with every translation catalogue under translations/."""
    directories = sorted(str(d) for d in TRANSLATIONS.iterdir() if d.is_dir()) if TRANSLATIONS.is_dir() else []
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT_LANGUAGE
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories) or str(TRANSLATIONS)
    Babel(app, locale_selector=current_language)
    app.after_request(_remember_language)
    app.jinja_env.globals["current_language"] = current_language
