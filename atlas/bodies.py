"""Reading JSON request bodies strictly: the right Content-Type, a size limit, and no NaN or Infinity."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, request

from layers.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

JSON_TYPES = ("application/json", "application/geo+json")
MERGE_PATCH = "application/merge-patch+json"


def _refuse_constant(name: str) -> Any:
    raise InvalidInput(f"The JSON body contains {name}, which is not a JSON number; send a finite number or null.")


def json_body(types: tuple[str, ...] = JSON_TYPES) -> Any:
    """The request's JSON, parsed strictly; 415 for another Content-Type, 413 over the limit, 400 if malformed."""
    if request.mimetype not in types:
        raise UnsupportedMediaType(f"Send the body as {' or '.join(types)} (got '{request.mimetype or 'none'}').")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The body is larger than the {limit // 1024} KB this atlas accepts.")
    raw = request.get_data(cache=True)
    # A body sent without Content-Length (chunked) is cut at the limit by werkzeug's stream, not
    # refused, so reaching the limit means there was more: refuse it rather than parse half of it.
    if len(raw) > limit or (request.content_length is None and len(raw) >= limit):
        raise PayloadTooLarge(f"The body is larger than the {limit // 1024} KB this atlas accepts.")
    try:
        return _storable(json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant))
    except UnicodeDecodeError:
        raise InvalidInput("The body must be UTF-8 encoded JSON.") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}).") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise InvalidInput("The JSON body contains a number too long to read.") from None
    except RecursionError:
        raise InvalidInput("The JSON body is nested too deeply.") from None


def _storable(value: Any) -> Any:
    """The parsed body, once no text in it holds a lone surrogate (no UTF-8 for PostgreSQL to store).

    NUL and other control characters are left to validation, which names the field they are in.
    """
    texts = [value]
    while texts:
        item = texts.pop()
        if isinstance(item, dict):
            texts.extend(item.keys())
            texts.extend(item.values())
        elif isinstance(item, list):
            texts.extend(item)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput("The JSON body contains a lone surrogate (\\ud800 and the like).") from None
    return value
