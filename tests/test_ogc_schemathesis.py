"""schemathesis against /ogc's own OpenAPI document: no 5xx, and every answer conforms to the document.

Reads run over every collection; writes (with an editor's token) only against a throw-away layer, a copy of
the permits that the module drops afterwards.
"""

from __future__ import annotations

import psycopg2
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.importing import copy_layer, drop_layer

SCRATCH = "ogc_scratch_permits"
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FEW = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def scratch_layer(database_url: str):
    """A copy of the permits layer with its first 20 features, for the generated writes; dropped afterwards."""
    conn = psycopg2.connect(database_url)
    yield copy_layer(conn, "water_permits", SCRATCH, "Scratch permits", 20)
    drop_layer(conn, SCRATCH)
    conn.close()


@pytest.fixture(scope="module")
def ogc_schema(app, scratch_layer):
    """The OpenAPI document as the app serves it, called through WSGI."""
    return schemathesis.openapi.from_wsgi("/ogc/api", app)


@pytest.fixture(scope="module")
def scratch_editor(make_account, scratch_layer):
    return make_account("editor", [SCRATCH])


def _run_operations(operations, headers: dict[str, str] | None = None) -> int:
    """Generated requests for each operation, every answer checked; returns how many operations ran.

    (Hypothesis is driven directly: schemathesis's pytest plugin does not load under this pytest.)
    """
    count = 0
    for result in operations.get_all_operations():
        operation = result.ok()

        @FEW
        @given(case=operation.as_strategy())
        def check(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
        count += 1
    return count


def test_reads_conform_to_the_document(ogc_schema):
    assert _run_operations(ogc_schema.include(method="GET")) >= 3 + 4 * 12


def test_writes_on_a_throwaway_layer_conform_to_the_document(ogc_schema, scratch_editor):
    writes = ogc_schema.include(path_regex=SCRATCH).exclude(method="GET")
    assert _run_operations(writes, scratch_editor.bearer) == 6
