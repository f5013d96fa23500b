from __future__ import annotations

import time

import pytest

from apps.treks import caching, services
from apps.treks.services.cache import catalog_version
from apps.treks.tests.factories import TrekFactory
from apps.treks.versionwatch import VersionWatcher, local_catalog_version, publish_version, push_enabled

pytestmark = pytest.mark.django_db


def wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_push_is_off_in_the_test_settings():
    assert not push_enabled()
    assert local_catalog_version() is None
    publish_version(1)  # a no-op, not an error


def test_bumps_reach_a_subscribed_process(settings, django_capture_on_commit_callbacks):
    settings.CATALOG_VERSION_PUSH = True
    watcher = VersionWatcher()
    try:
        assert watcher.current() is None  # not subscribed yet: callers read Redis
        assert wait_for(lambda: watcher.healthy)
        assert watcher.current() == catalog_version()
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                services.catalog_version_bump()
            expected = catalog_version()
            assert wait_for(lambda expected=expected: watcher.current() == expected)
        watcher._set(expected - 5)  # an older value (a late message) never wins
        assert watcher.current() == expected
    finally:
        watcher.stop()
    assert not watcher.healthy


def test_cached_responses_use_the_pushed_version(api_client, monkeypatch):
    TrekFactory(slug="pushed")
    first = api_client.get("/api/v1/treks/pushed/")
    version = catalog_version()
    monkeypatch.setattr(caching, "local_catalog_version", lambda: version)

    def no_redis_read():
        raise AssertionError("the version was read from Redis")

    monkeypatch.setattr(caching, "catalog_version", no_redis_read)
    second = api_client.get("/api/v1/treks/pushed/")
    assert second.status_code == 200
    assert second["ETag"] == first["ETag"]
    assert second.content == first.content
    monkeypatch.setattr(caching, "local_catalog_version", lambda: version + 1)  # a bump arrived
    third = api_client.get("/api/v1/treks/pushed/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert third.status_code == 200
    assert third["ETag"] != first["ETag"]
