"""The throwaway PostgreSQL and Redis that `make test` starts when no server is reachable."""

from __future__ import annotations

import atexit
import socket
import subprocess
from typing import Any

import pytest

from scripts import services


@pytest.fixture
def stoppers(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Capture the atexit stop functions so the test can stop the instances itself."""
    registered: list[Any] = []
    monkeypatch.setattr(atexit, "register", registered.append)
    yield registered
    for stop in registered:
        stop()


@pytest.mark.slow
def test_throwaway_postgres_starts_and_stops(stoppers: list[Any]) -> None:
    url = services._start_postgres()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAc", "select 41 + 1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.stdout.strip() == "42", result.stderr
    stoppers.pop()()
    assert not services._port_open("127.0.0.1", port)


@pytest.mark.slow
def test_throwaway_redis_starts_and_stops(stoppers: list[Any]) -> None:
    url = services._start_redis()
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    assert services._redis_answers("127.0.0.1", port)
    stoppers.pop()()
    assert not services._redis_answers("127.0.0.1", port)


def test_resolve_prefers_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db:5432/x")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    monkeypatch.delenv("OBS_TEST_SERVICES", raising=False)
    found = services.resolve()
    assert (found.database_url, found.redis_url) == ("postgres://app:pw@db:5432/x", "redis://cache:6379/1")
    assert "pw" not in found.description
    assert "DATABASE_URL" in found.description


def test_resolve_uses_default_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("OBS_TEST_SERVICES", raising=False)
    monkeypatch.setattr(services, "_port_open", lambda host, port, timeout=0.5: True)
    monkeypatch.setattr(services, "_redis_answers", lambda host, port: True)
    found = services.resolve()
    assert found.database_url.endswith(f"127.0.0.1:5432/{services.default_database_name()}")
    assert found.redis_url == "redis://127.0.0.1:6379/0"


def test_missing_binaries_give_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "_find_binary", lambda name: None)
    monkeypatch.setattr(services.shutil, "which", lambda name: None)
    with pytest.raises(services.ServicesUnavailable, match="apt-get install postgresql"):
        services._start_postgres()
    with pytest.raises(services.ServicesUnavailable, match="apt-get install redis-server"):
        services._start_redis()


def test_free_port_is_bindable() -> None:
    port = services._free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
