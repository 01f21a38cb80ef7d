"""Converting a column value by value, each distinct value once: imported columns repeat their values."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

Result = TypeVar("Result")


def map_distinct(values: Iterable[Any], convert: Callable[[Any], Result]) -> list[Result]:
    """`[convert(v) for v in values]`, calling `convert` once per distinct value.

    The values of one column come from one typed field, so 1, 1.0 and True (equal as keys) never meet.
    """
    seen: dict[Any, Result] = {}
    out: list[Result] = []
    for value in values:
        try:
            out.append(seen[value])
        except KeyError:
            out.append(seen.setdefault(value, convert(value)))
        except TypeError:  # an unhashable value (a list from JSON)
            out.append(convert(value))
    return out
