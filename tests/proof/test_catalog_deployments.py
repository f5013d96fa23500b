"""Deployments sharing one Redis server keep their own, correct catalog; a change reaches every web process.

Three deployments, each its own PostgreSQL database, all on one throwaway redis-server: "prod" (two web
processes, database 0, prefix ``obs``), "staging" (database 1, same prefix) and "preview" (database 0,
prefix ``preview``). Every process is a real gunicorn serving the test settings, and every request names
the same host, so the three compute the same cache keys inside their own namespaces. Seats taken and a
trek edited in one deployment must show, with a new ETag, in the list and the detail of every one of its
processes one second later (the bound the catalog cache promises) and nowhere else.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection, transaction

from apps.treks import services
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.services import token_pair_for
from apps.users.tests.factories import UserFactory
from scripts.services import _free_port, start_redis

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
HOST = "localhost"  # the same Host everywhere: the same cache keys in every namespace
PROPAGATION_BOUND = 1.0  # seconds: what the catalog cache promises


@dataclass
class WebProcess:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def call(self, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes | None = None) -> Any:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=body,
            method=method,
            headers={"Host": HOST, "Content-Type": "application/json", **(headers or {})},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def get(self, path: str, etag: str | None = None) -> tuple[int, str | None, Any]:
        import json

        status, headers, body = self.call("GET", path, headers={"If-None-Match": etag} if etag else None)
        return status, headers.get("ETag"), json.loads(body) if body else None


def _admin_connection() -> psycopg.Connection[Any]:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )  # fmt: skip


def _database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def clone_database() -> Iterator[Any]:
    """Copies of the test database as it is now (committed rows), dropped at the end."""
    made: list[str] = []

    def clone() -> str:
        name = f"{connection.settings_dict['NAME']}_deploy{len(made)}"
        connection.close()  # a template must have no other session
        with _admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{connection.settings_dict["NAME"]}"')
        made.append(name)
        return name

    yield clone
    with _admin_connection() as admin:
        for name in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_server() -> Iterator[str]:
    url, stop = start_redis()
    try:
        yield url.rsplit("/", 1)[0]  # without the database number
    finally:
        stop()


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Any]:
    """Start gunicorn web processes (one sync worker each); all are stopped at the end."""
    started: list[WebProcess] = []

    def start(name: str, *, database: str, redis_url: str, prefix: str) -> WebProcess:
        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": _database_url(database),
            "REDIS_URL": redis_url,
            "OBS_TEST_CACHE_PREFIX": prefix,
        }
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
            process = subprocess.Popen(
                [*command, "--workers", "1", "--timeout", "120"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        started.append(WebProcess(name, port, process, log))
        return started[-1]

    def wait_until_serving() -> None:
        deadline = time.monotonic() + 180
        for proc in started:
            while True:
                assert proc.process.poll() is None, f"{proc.name} exited:\n{proc.log.read_text()[-3000:]}"
                try:
                    if proc.call("GET", "/health/")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"{proc.name} never answered:\n{proc.log.read_text()[-3000:]}"
                time.sleep(0.2)

    start.wait_until_serving = wait_until_serving  # type: ignore[attr-defined]
    yield start
    for proc in started:
        proc.process.terminate()
    for proc in started:
        try:
            proc.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait(timeout=20)


def _seats(web: WebProcess, slug: str) -> tuple[int, int]:
    """Seats left in the list card and in the detail of ``slug``, as served now by ``web``."""
    status, _, listing = web.get("/api/v1/treks/")
    assert status == 200
    card = next(t for t in listing["results"] if t["slug"] == slug)
    status, _, detail = web.get(f"/api/v1/treks/{slug}/")
    assert status == 200
    return card["next_batch"]["seats_left"], detail["batches"][0]["seats_left"]


def test_deployments_sharing_one_redis_keep_their_own_correct_seat_counts(
    clone_database: Any, redis_server: str, web: Any
) -> None:
    trek = TrekFactory(slug="kedarkantha", name="Kedarkantha")
    batch = BatchFactory(trek=trek, total_seats=16)
    editor = UserFactory(staff_role="content")
    token = token_pair_for(editor)["access"]
    prod_db = connection.settings_dict["NAME"]
    staging_db, preview_db = clone_database(), clone_database()

    prod = [
        web("prod-1", database=prod_db, redis_url=f"{redis_server}/0", prefix="obs"),
        web("prod-2", database=prod_db, redis_url=f"{redis_server}/0", prefix="obs"),
    ]
    staging = web("staging", database=staging_db, redis_url=f"{redis_server}/1", prefix="obs")
    preview = web("preview", database=preview_db, redis_url=f"{redis_server}/0", prefix="preview")
    web.wait_until_serving()
    everyone = [*prod, staging, preview]

    before: dict[str, dict[str, str | None]] = {}
    for proc in everyone:
        assert _seats(proc, "kedarkantha") == (16, 16)
        before[proc.name] = {
            "list": proc.get("/api/v1/treks/")[1],
            "detail": proc.get("/api/v1/treks/kedarkantha/")[1],
        }
        assert before[proc.name]["list"]
        assert before[proc.name]["detail"]

    # Production: two seats booked (the booking service's seat call, committed) and the trek renamed
    # through one of its web processes. Staging: its own trek edit. Preview: nothing.
    with transaction.atomic():
        assert services.batch_take_seats(batch_id=batch.pk, seats=2)
    auth = {"Authorization": f"Bearer {token}"}
    renamed = prod[0].call("PATCH", "/api/v1/treks/kedarkantha/", headers=auth, body=b'{"name": "Kedarkantha Winter"}')
    assert renamed[0] == 200, renamed
    staged = staging.call("PATCH", "/api/v1/treks/kedarkantha/", headers=auth, body=b'{"name": "Kedarkantha Staging"}')
    assert staged[0] == 200, staged
    time.sleep(PROPAGATION_BOUND)

    for proc in prod:  # every production process, list and detail, with new ETags
        assert _seats(proc, "kedarkantha") == (14, 14), proc.name
        status, etag, listing = proc.get("/api/v1/treks/", before[proc.name]["list"])
        assert (status, listing["results"][0]["name"]) == (200, "Kedarkantha Winter"), proc.name
        assert etag != before[proc.name]["list"]
        status, etag, detail = proc.get("/api/v1/treks/kedarkantha/", before[proc.name]["detail"])
        assert (status, detail["name"]) == (200, "Kedarkantha Winter"), proc.name
        assert etag != before[proc.name]["detail"]

    assert _seats(staging, "kedarkantha") == (16, 16)  # production's seats did not leak into staging
    assert staging.get("/api/v1/treks/kedarkantha/")[2]["name"] == "Kedarkantha Staging"

    # Preview saw no change at all: its ETags still match, its pages say what its database says.
    assert preview.get("/api/v1/treks/", before["preview"]["list"])[0] == 304
    assert preview.get("/api/v1/treks/kedarkantha/", before["preview"]["detail"])[0] == 304
    assert _seats(preview, "kedarkantha") == (16, 16)
    assert preview.get("/api/v1/treks/kedarkantha/")[2]["name"] == "Kedarkantha"
