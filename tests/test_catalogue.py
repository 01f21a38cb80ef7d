"""Layer definitions read from the catalogue, and the parsed-definition cache that must never go stale."""

from __future__ import annotations

import pytest

from layers.catalogue import get_layer, get_layers
from layers.errors import LayerNotFound


def test_definitions_follow_every_change_of_the_row(db):
    assert get_layer(db, "rivers").title_vi == "Sông, suối"
    with db.cursor() as cur:
        cur.execute("UPDATE layer SET title_vi = 'Sông ngòi' WHERE id = 'rivers'")
    assert get_layer(db, "rivers").title_vi == "Sông ngòi"
    db.rollback()
    assert get_layer(db, "rivers").title_vi == "Sông, suối"


def test_revision_bumps_are_seen(db):
    before = get_layer(db, "reservoirs").revision
    with db.cursor() as cur:
        cur.execute(
            "UPDATE layerdata.reservoirs SET name = name WHERE fid = (SELECT min(fid) FROM layerdata.reservoirs)"
        )
    assert get_layer(db, "reservoirs").revision == before + 1


def test_order_is_kept_and_unknown_ids_are_refused(db):
    assert [layer.id for layer in get_layers(db, ["rivers", "province", "communes"])] == [
        "rivers",
        "province",
        "communes",
    ]
    with pytest.raises(LayerNotFound):
        get_layers(db, ["rivers", "nope"])
