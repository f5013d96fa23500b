"""Shared fixtures. Settings are ``config.settings.test``: real PostgreSQL and Redis (see scripts/services.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.common.tests.race import Race
from apps.common.tests.race import race as run_race
from apps.notifications.backends import push, sms
from apps.users.models import User
from apps.users.roles import StaffRole
from apps.users.services import token_pair_for
from apps.users.tests.factories import UserFactory
from tests import flush

flush.install()  # a transactional test's flush deletes rows rather than truncating every table (tests/flush.py)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"services: {settings.SERVICES_DESCRIPTION}"]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Each test starts with an empty cache namespace (only this process's keys are touched), no Redis
    outage remembered, and no catalog version or page kept in process memory."""
    from apps.common.cache import reset_backoffs
    from apps.treks.catalog_cache import forget_process_state

    reset_backoffs()
    forget_process_state()
    cache.delete_pattern("*")
    yield
    reset_backoffs()
    forget_process_state()
    cache.delete_pattern("*")


@pytest.fixture(autouse=True)
def _messages_pushed() -> Iterator[None]:
    """The task messages a test handed over to be pushed after the response are pushed before the next test."""
    from apps.common import broker

    yield
    broker.publish_loop.drain(30)


@pytest.fixture(autouse=True)
def _empty_outboxes() -> Iterator[None]:
    """The console SMS and push backends' outboxes start and end each test empty."""
    sms.outbox.clear()
    push.outbox.clear()
    push.reset_credentials()
    yield
    sms.outbox.clear()
    push.outbox.clear()


@pytest.fixture(autouse=True)
def _declared_error_codes() -> Iterator[None]:
    """The test fails when an operation answered an error code its schema does not declare (tests/error_codes.py)."""
    from tests import error_codes

    error_codes.answered.clear()
    yield
    answers = list(error_codes.answered)
    error_codes.answered.clear()
    problems = error_codes.undeclared(answers)
    if problems:
        pytest.fail("error codes not declared in the schema:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture
def race() -> Race:
    """Run callables at the same moment, each in a thread with its own database connection (closed at the end);
    returns what each returned, or the exception it raised when ``catch`` allows it (``apps.common.tests.race``)."""
    return run_race


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def _make(**kwargs: Any) -> User:
        return UserFactory(**kwargs)

    return _make


@pytest.fixture
def user(make_user: Callable[..., User]) -> User:
    return make_user()


@pytest.fixture
def client_for() -> Callable[[User | None], APIClient]:
    """An API client authenticated with a real JWT for ``user`` (anonymous for None)."""

    def _client(user: User | None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_pair_for(user)['access']}")
        return client

    return _client


@pytest.fixture
def auth_client(client_for: Callable[[User | None], APIClient], user: User) -> APIClient:
    return client_for(user)


@pytest.fixture
def staff_user(make_user: Callable[..., User]) -> Callable[[str], User]:
    def _staff(role: str) -> User:
        return make_user(staff_role=StaffRole(role))

    return _staff


class CeleryWorker:
    """A real ``celery worker`` process consuming a queue of its own, against the test database and Redis."""

    def __init__(self, queue: str, process: Any, log: Any) -> None:
        self.queue = queue
        self.process = process
        self.log = log  # the worker's stdout and stderr

    def output(self) -> str:
        return str(self.log.read_text())

    def stop(self) -> str:
        """Stop the worker (warm shutdown) and return everything it wrote."""
        import subprocess

        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        return self.output()


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    """Extra environment of the ``celery_worker`` process (override in a test module)."""
    return {}


@pytest.fixture
def celery_worker_imports() -> list[str]:
    """Extra task modules the ``celery_worker`` process imports (override in a test module)."""
    return []


@pytest.fixture
def celery_worker(
    transactional_db: None, celery_worker_env: dict[str, str], celery_worker_imports: list[str]
) -> Iterator[CeleryWorker]:
    """Start a worker for this test; tasks sent from the test go to its private queue.

    Tests using it must commit their data (the fixture implies ``transactional_db``).
    """
    import os
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.db import connection

    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:12]}"
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "OBS_TEST_CACHE_PREFIX": str(settings.CACHES["default"]["KEY_PREFIX"]),
        "CELERY_QUEUE": queue,
        "OBS_CELERY_WORKER": "1",
        **celery_worker_env,
    }
    root = Path(__file__).resolve().parent
    log = root / "var" / f"celery-{queue}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                queue,
                "-c",
                "1",
                "-P",
                "solo",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                *(f"--include={module}" for module in celery_worker_imports),
                "-l",
                "info",
                "-n",
                f"{queue}@%h",
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    worker = CeleryWorker(queue, process, log)
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"celery worker did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield worker
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        worker.stop()
        log.unlink(missing_ok=True)
