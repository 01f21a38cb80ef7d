"""Settings are checked at start-up, and creating the app connects to nothing."""

from __future__ import annotations

import pytest

from atlas import create_app
from atlas.migrate import maintenance_url
from atlas.settings import embedded_database_url, load_settings
from layers.errors import SettingsError
from tests.conftest import sibling_database_url


@pytest.mark.parametrize(
    "env, message",
    [
        ({"ATLAS_DATABASE_URL": "mysql://x@y/z"}, "ATLAS_DATABASE_URL must look like postgresql://"),
        ({"ATLAS_DATABASE_URL": "not a url"}, "ATLAS_DATABASE_URL must look like postgresql://"),
        ({"ATLAS_DATABASE_URL": "postgresql://atlas@127.0.0.1:port/atlas"}, "port that is not a number"),
        ({"ATLAS_DATABASE_URL": "postgresql://atlas@127.0.0.1:5432"}, "must name a database"),
        ({"ATLAS_PORT": "http"}, "ATLAS_PORT='http' is not a valid int"),
        ({"ATLAS_PORT": "70000"}, "ATLAS_PORT must be between 1 and 65535"),
        ({"ATLAS_POOL_SIZE": "0"}, "ATLAS_POOL_SIZE"),
    ],
)
def test_bad_settings_stop_with_a_clear_message(env, message):
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    assert message in raised.value.message


def test_settings_are_read_from_the_environment():
    settings = load_settings({"ATLAS_PORT": "5050", "ATLAS_DATABASE_URL": "postgresql://u@h:1/db"})
    assert settings.port == 5050 and settings.database_url == "postgresql://u@h:1/db"
    with pytest.raises(AttributeError):
        settings.port = 1  # type: ignore[misc]


def test_create_app_does_not_connect():
    app = create_app({"database_url": "postgresql://nobody@127.0.0.1:1/none"})
    assert app.extensions["atlas.pool"].idle_count == 0


def test_overrides_win_over_the_environment():
    environ = {"ATLAS_DATABASE_URL": "postgresql://atlas@127.0.0.1:15432/from_env", "ATLAS_PORT": "5001"}
    settings = load_settings(environ, {"database_url": "postgresql://atlas@127.0.0.1:15432/from_test"})
    assert settings.database_url.endswith("/from_test") and settings.port == 5001


def test_the_embedded_cluster_is_reached_over_its_unix_socket_when_there_is_one(tmp_path):
    assert embedded_database_url(tmp_path, {}) == "postgresql://atlas@127.0.0.1:15432/atlas"
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / ".s.PGSQL.15432").touch()
    assert embedded_database_url(tmp_path, {}) == f"postgresql://atlas@/atlas?host={tmp_path}/run&port=15432"
    # As root the cluster lives in postgres's home and var/pg links to it; its socket comes first.
    (tmp_path / "pg" / "run").mkdir(parents=True)
    (tmp_path / "pg" / "run" / ".s.PGSQL.16000").touch()
    assert embedded_database_url(tmp_path, {"ATLAS_PG_PORT": "16000"}).endswith(f"?host={tmp_path}/pg/run&port=16000")


def test_a_given_database_url_is_kept_as_given(monkeypatch):
    monkeypatch.setenv("ATLAS_DATABASE_URL", "postgresql://atlas@/atlas_x?host=/srv/pg/run&port=15432")
    assert load_settings().database_url == "postgresql://atlas@/atlas_x?host=/srv/pg/run&port=15432"
    assert sibling_database_url("_test_1") == "postgresql://atlas@/atlas_x_test_1?host=/srv/pg/run&port=15432"
    maintenance, name = maintenance_url(sibling_database_url("_test_1"))
    assert (maintenance, name) == ("postgresql://atlas@/postgres?host=/srv/pg/run&port=15432", "atlas_x_test_1")
