"""The lilac station triangles stand out from the grey communes they sit on (WCAG's 3:1 for graphics)."""

from __future__ import annotations

from layers.sample.definitions import COMMUNES, WATER_QUALITY_STATIONS

MAP_BACKGROUND = "#dcdad3"  # the map's container with no basemap (atlas-labels.css): the neighbouring land


def rgb(hex_colour: str) -> tuple[float, float, float]:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def over(top: str, opacity: float, below: str) -> tuple[float, float, float]:
    return tuple(opacity * t + (1 - opacity) * b for t, b in zip(rgb(top), rgb(below), strict=True))  # type: ignore[return-value]


def luminance(colour: tuple[float, float, float]) -> float:
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in colour]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_station_triangles_contrast_with_the_commune_fill():
    layer = WATER_QUALITY_STATIONS
    commune = over(COMMUNES.style.fill_color or MAP_BACKGROUND, COMMUNES.style.fill_opacity, MAP_BACKGROUND)
    symbol = over(layer.style.fill_color or layer.style.color, layer.style.fill_opacity, "#ffffff")
    assert contrast(symbol, commune) >= 3.0, layer.id
