"""The printed results: one table of contenders per layer, the ratios against the targets, per-zoom numbers."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from bench.load import Fetched, WrkResult
from bench.sql_floor import PgbenchResult
from bench.tile_list import Tile

SQL_FLOOR = "SQL floor (pgbench)"
ATLAS_COLD = "atlas, cache off"
TIPG = "tipg 1.6.1"
ATLAS_WARM = "atlas, warm cache"
NGINX = "nginx, static files"
CONTENDERS = (SQL_FLOOR, ATLAS_COLD, TIPG, ATLAS_WARM, NGINX)
MAX_TILE_BYTES = 500 * 1024


@dataclass(frozen=True)
class Row:
    """One contender's numbers on one layer; `failure` says why there are none."""

    rps: float = math.nan
    p50_ms: float = math.nan
    p99_ms: float = math.nan
    errors: int | None = None
    detail: str = ""
    bytes: int | None = None
    failure: str = ""

    @classmethod
    def of_wrk(cls, result: WrkResult) -> Row:
        """From a wrk run."""
        detail = f"{result.status_errors} status, {result.socket_errors} socket, {result.timeouts} timeout"
        return cls(result.rps, result.p50_ms, result.p99_ms, result.errors, detail, result.bytes)

    @classmethod
    def of_pgbench(cls, result: PgbenchResult) -> Row:
        """From a pgbench run (no bytes: nothing crosses HTTP)."""
        detail = f"{result.failed} failed tx, {result.aborted_clients} aborted clients"
        return cls(result.tps, result.p50_ms, result.p99_ms, result.failed + result.aborted_clients, detail)


@dataclass
class LayerReport:
    """Everything measured on one layer."""

    layer_id: str
    tiles: list[Tile]
    revision: int = 0
    rows: dict[str, Row] = field(default_factory=dict)
    timed: list[Fetched] = field(default_factory=list)
    dumped: list[Fetched] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    warm_hits: tuple[int, int] = (0, 0)
    # CPU ms per request sampled from /proc: the SQL floor's sessions; the atlas's processes and its sessions.
    cpu_ms: dict[str, tuple[float, ...]] = field(default_factory=dict)


def _fmt(value: float | None, spec: str) -> str:
    """The number in `spec`, or a dash of the same width when there is none."""
    if value is None or math.isnan(value):
        width = "".join(ch for ch in spec.split(".")[0] if ch.isdigit())
        return "-".rjust(int(width or 0))
    return format(value, spec)


def contender_table(report: LayerReport) -> list[str]:
    """The req/s, p50, p99, errors and bytes of every contender."""
    lines = [f"{'contender':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'MB sent':>10}  detail"]
    for name in CONTENDERS:
        row = report.rows.get(name)
        if row is None:
            lines.append(f"{name:<22}  (not run)")
        elif row.failure:
            lines.append(f"{name:<22}  COULD NOT RUN: {row.failure}")
        else:
            megabytes = row.bytes / 1e6 if row.bytes is not None else math.nan
            errors = "-" if row.errors is None else str(row.errors)
            lines.append(
                f"{name:<22}{_fmt(row.rps, '10.1f')}{_fmt(row.p50_ms, '10.1f')}{_fmt(row.p99_ms, '10.1f')}"
                f"{errors:>8}{_fmt(megabytes, '10.1f')}  {row.detail}"
            )
    return lines


def _ratio(report: LayerReport, top: str, bottom: str) -> float:
    a, b = report.rows.get(top), report.rows.get(bottom)
    if a is None or b is None or a.failure or b.failure or not b.rps:
        return math.nan
    return a.rps / b.rps


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "MISSED")


def _check(value: float, test: Callable[[float], bool]) -> bool | None:
    return None if math.isnan(value) else test(value)


def _at_least(target: float) -> Callable[[float], bool]:
    return lambda value: value >= target


def cpu_beyond_sql_ms(report: LayerReport, cores: int) -> float:
    """CPU milliseconds an uncached tile costs beyond its SQL: cores / atlas req/s - cores / SQL floor req/s.

    Both runs keep every core busy, so cores / rate is the CPU time one tile takes in each.
    """
    ours, floor = report.rows.get(ATLAS_COLD), report.rows.get(SQL_FLOOR)
    if ours is None or floor is None or ours.failure or floor.failure or not ours.rps or not floor.rps:
        return math.nan
    return (cores / ours.rps - cores / floor.rps) * 1000


def ratio_lines(report: LayerReport) -> list[str]:
    """The ratios next to their targets; printed only, never asserted."""
    cores = os.cpu_count() or 1
    beyond_sql = cpu_beyond_sql_ms(report, cores)
    vs_tipg = _ratio(report, ATLAS_COLD, TIPG)
    vs_floor = _ratio(report, ATLAS_COLD, SQL_FLOOR)
    vs_nginx = _ratio(report, ATLAS_WARM, NGINX)
    ours = [report.rows.get(n) for n in (ATLAS_COLD, ATLAS_WARM)]
    errors = [r.errors for r in ours if r is not None and not r.failure and r.errors is not None]
    largest = max((f.size for f in report.dumped), default=0)
    rows = [
        ("atlas uncached / tipg", f"{_fmt(vs_tipg, '.2f')}x", ">= 1.5x", _check(vs_tipg, _at_least(1.5))),
        ("atlas uncached / SQL floor", f"{_fmt(vs_floor * 100, '.0f')}%", ">= 50%", _check(vs_floor, _at_least(0.5))),
        ("CPU per tile beyond SQL", f"{_fmt(beyond_sql, '.2f')} ms", "-", None),
        ("atlas errors (both runs)", str(sum(errors)) if errors else "-", "0", bool(errors) and sum(errors) == 0),
        ("largest tile", f"{largest / 1024:.0f} KB", "<= 500 KB", largest <= MAX_TILE_BYTES if report.dumped else None),
        ("atlas warm cache / nginx", f"{_fmt(vs_nginx, '.3f')}x", ">= 0.3x", _check(vs_nginx, _at_least(0.3))),
    ]
    lines = [f"{'ratio':<28}{'value':>10}  {'target':<10} verdict"]
    lines += [f"{name:<28}{value:>10}  {target:<10} {_verdict(ok)}" for name, value, target, ok in rows]
    return lines


def _at_zoom(tiles: list[Tile], fetched: list[Fetched], z: int) -> list[Fetched]:
    """The pass results of the tiles at zoom z (none when that pass did not run)."""
    if len(fetched) != len(tiles):
        return []
    return [f for t, f in zip(tiles, fetched, strict=True) if t.z == z]


def _mean_max_ms(seconds: list[float]) -> tuple[float, float]:
    if not seconds:
        return math.nan, math.nan
    return sum(seconds) / len(seconds) * 1000, max(seconds) * 1000


def _zoom_row(report: LayerReport, z: int) -> str:
    tiles = [t for t in report.tiles if t.z == z]
    dumped = _at_zoom(report.tiles, report.dumped, z)
    timed = _at_zoom(report.tiles, report.timed, z)
    sql_seconds = [s for t, s in zip(report.tiles, report.sql_seconds, strict=False) if t.z == z]
    sizes = [f.size for f in dumped if f.status == 200]
    empty = sum(1 for f in dumped if f.status == 204)
    render_mean, render_max = _mean_max_ms([f.seconds for f in timed if 200 <= f.status < 300])
    sql_mean, sql_max = _mean_max_ms(sql_seconds)
    mean_kb = sum(sizes) / len(sizes) / 1024 if sizes else math.nan
    largest_kb = max(sizes) / 1024 if sizes else math.nan
    errors = sum(1 for f in timed if not 200 <= f.status < 300) + sum(1 for f in dumped if f.status not in (200, 204))
    return (
        f"{z:>4}{len(tiles):>7}{empty if dumped else '-':>7}{_fmt(largest_kb, '12.1f')}{_fmt(mean_kb, '10.1f')}"
        f"{_fmt(render_mean, '12.1f')}{_fmt(render_max, '10.1f')}{_fmt(sql_mean, '10.1f')}{_fmt(sql_max, '10.1f')}"
        f"{errors:>8}"
    )


def zoom_table(report: LayerReport) -> list[str]:
    """Per zoom: tiles, empty ones, tile sizes, the atlas's single-threaded times (cache off) and the SQL alone."""
    lines = [
        f"{'':>4}{'':>7}{'':>7}{'':>12}{'':>10}{'HTTP, cache off':>22}{'SQL statement':>20}",
        f"{'zoom':>4}{'tiles':>7}{'empty':>7}{'largest KB':>12}{'mean KB':>10}"
        f"{'mean ms':>12}{'max ms':>10}{'mean ms':>10}{'max ms':>10}{'errors':>8}",
    ]
    lines += [_zoom_row(report, z) for z in sorted({t.z for t in report.tiles})]
    return lines


def cpu_lines(report: LayerReport) -> list[str]:
    """The CPU each request took, sampled from /proc: steadier than req/s while others load the machine."""
    floor, atlas = report.cpu_ms.get(SQL_FLOOR), report.cpu_ms.get(ATLAS_COLD)
    if not floor or not atlas:
        return []
    beyond = sum(atlas) - floor[0]
    return [
        "CPU per uncached tile, sampled from /proc (ms): "
        f"SQL floor's sessions {floor[0]:.2f}; atlas: its processes {atlas[0]:.2f} + its sessions {atlas[1]:.2f} "
        f"= {sum(atlas):.2f}; beyond the SQL {beyond:.2f}"
    ]


def print_layer(report: LayerReport, header: str) -> None:
    """Print the three tables of one layer."""
    print()
    print("=" * 100)
    print(header)
    print("=" * 100)
    for block in (contender_table(report), ratio_lines(report) + cpu_lines(report), zoom_table(report)):
        print("\n".join(block))
        print()
    hits, total = report.warm_hits
    if total:
        print(
            f"warm cache: {hits}/{total} tiles were cache hits on a sequential pass after the run "
            "(each gunicorn worker keeps its own in-process cache)"
        )
