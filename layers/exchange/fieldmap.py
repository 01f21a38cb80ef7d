"""Which column of an imported file feeds which field of the layer: full names, our exports' DBF
short names (rebuilt exactly as the export makes them, or read from the crosswalk in the zip), in
any letter case.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from layers.catalogue import LayerDef
from layers.exchange.columns import layer_columns
from layers.exchange.dbf_names import short_names
from layers.exchange.reader import SYSTEM_FIELDS


@dataclass(frozen=True)
class FieldMapping:
    """Source column -> layer field (or system field such as feature_id), how each was matched, what was left."""

    targets: dict[str, str]
    how: dict[str, str]
    ignored: list[str] = field(default_factory=list)

    def report(self) -> list[dict]:
        """The mapping part of the import report."""
        rows = [{"source": s, "field": t, "matched_by": self.how[s]} for s, t in self.targets.items()]
        return rows + [{"source": s, "field": None, "matched_by": "ignored: no such field"} for s in self.ignored]


def read_crosswalk(folder: Path) -> dict[str, str]:
    """short name -> full name from an export's `<layer>_fields.csv`, when the zip brought one."""
    names: dict[str, str] = {}
    for path in sorted(folder.glob("*_fields.csv")):
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                if row.get("short_name") and row.get("full_name"):
                    names[row["short_name"].lower()] = row["full_name"]
    return names


def map_fields(layer: LayerDef, source_names: list[str], crosswalk: dict[str, str] | None = None) -> FieldMapping:
    """Map each source column to a field of the layer (or a system field); others are ignored."""
    known = {f.name.lower(): f.name for f in layer.fields} | {n: n for n in SYSTEM_FIELDS}
    short = {s.lower(): full for full, s in short_names([c.name for c in layer_columns(layer)]).items()}
    walk = {k: v for k, v in (crosswalk or {}).items() if v.lower() in known}
    targets: dict[str, str] = {}
    how: dict[str, str] = {}
    ignored: list[str] = []
    for name in source_names:
        key = name.lower()
        if key in known:
            target, rule = known[key], "name"
        elif key in walk:
            target, rule = known[walk[key].lower()], "crosswalk in the zip"
        elif key in short:
            target, rule = short[key], "short name of an atlas export"
        else:
            ignored.append(name)
            continue
        if target in targets.values():
            ignored.append(name)  # a second column for one field: the first one wins
            continue
        targets[name], how[name] = target, rule
    return FieldMapping(targets, how, ignored)
