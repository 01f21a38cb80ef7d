"""HTML pages: the catalogue and the layer pages."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, redirect, render_template, url_for

from atlas.requestdb import request_connection
from layers.catalogue import THEMES, get_layer, list_layers
from layers.stats import layer_stats

bp = Blueprint("pages", __name__)


@bp.get("/")
def home():
    """The atlas home; until the map page lands it opens the catalogue."""
    return redirect(url_for(".catalogue"))


@bp.get("/layers")
def catalogue():
    """Layers grouped by theme, with computed feature counts and last updates."""
    conn = request_connection()
    entries = [(layer, layer_stats(conn, layer)) for layer in list_layers(conn)]
    ordered = sorted(entries, key=lambda e: (list(THEMES).index(e[0].theme), e[0].sort_order))
    themes = [(THEMES[theme], list(group)) for theme, group in groupby(ordered, key=lambda e: e[0].theme)]
    return render_template("layers/catalogue.html", themes=themes)


@bp.get("/layers/<layer_id>")
def layer(layer_id: str):
    """One layer: its metadata, attribute dictionary and computed facts."""
    conn = request_connection()
    found = get_layer(conn, layer_id)
    return render_template("layers/detail.html", layer=found, stats=layer_stats(conn, found), themes=THEMES)
