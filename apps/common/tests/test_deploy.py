"""deploy/: a clean build context, compose configured from one env file, a health check per process."""

from __future__ import annotations

import http.server
import os
import re
import shlex
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.common.tests.production_env import ROOT
from deploy import healthcheck

# --- .dockerignore ---------------------------------------------------------------------------------------


def _dockerignore_regex(pattern: str) -> re.Pattern[str]:
    """One .dockerignore pattern as Docker reads it (moby/patternmatcher): anchored at the context root,
    ``*`` and ``?`` stay within a path segment, ``**`` crosses segments."""
    pattern = pattern.strip("/")
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + pattern[i : end + 1], end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out + r"\Z")


def _excluded(path: str, rules: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``path`` out of the context: the last rule matching it or a parent decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    excluded = False
    for negated, regex in rules:
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not negated
    return excluded


def _rules() -> list[tuple[bool, re.Pattern[str]]]:
    rules = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            rules.append((negated, _dockerignore_regex(line.lstrip("!"))))
    return rules


LEFT_OUT = [
    ".env",
    ".env.production",
    ".env.production.example",
    ".env.example",
    ".env.local",
    "deploy/.env",
    "config/.env.staging",
    "var/db.sqlite3",
    "var/private/bookings/1/id.pdf",
    "var/media/treks/covers/a.jpg",
    "var/staticfiles/admin/base.css",
    "var/celerybeat-schedule",
    "media/profiles/me.jpg",
    "db.sqlite3",
    "apps/old.sqlite3",
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/django/__init__.py",
    ".git",
    ".git/HEAD",
    ".git/objects/ab/cdef",
    "apps/treks/__pycache__/models.cpython-311.pyc",
    "apps/treks/models.pyc",
    ".pytest_cache/v/cache",
    ".mypy_cache/3.11/x.json",
    ".coverage",
    "coverage.xml",
    "tests/proof/test_faults.py",
    "apps/treks/tests/test_media.py",
    "conftest.py",
]
KEPT = [
    "manage.py",
    "pyproject.toml",
    "uv.lock",
    "apps/treks/models.py",
    "apps/treks/migrations/0001_initial.py",
    "apps/users/templates/users/email.html",
    "config/settings/prod.py",
    "config/wsgi.py",
    "deploy/gunicorn.conf.py",
    "deploy/healthcheck.py",
    "templates/sms/otp.txt",
    "scripts/services.py",
]


@pytest.mark.parametrize("path", LEFT_OUT)
def test_build_context_leaves_out_local_state_and_secrets(path: str) -> None:
    assert _excluded(path, _rules())


@pytest.mark.parametrize("path", KEPT)
def test_build_context_keeps_what_the_image_runs(path: str) -> None:
    assert not _excluded(path, _rules())


def test_every_file_the_image_needs_is_in_the_context() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    needed = [p for p in tracked if p.startswith(("apps/", "config/", "templates/")) and "/tests/" not in p]
    assert needed
    assert [p for p in needed if _excluded(p, _rules())] == []


def test_the_matcher_follows_docker_anchoring() -> None:
    # Unlike .gitignore, a bare pattern matches at the root only.
    rules = [(False, _dockerignore_regex("*.pyc"))]
    assert _excluded("a.pyc", rules)
    assert not _excluded("apps/a.pyc", rules)
    rules.append((True, _dockerignore_regex("keep.pyc")))
    assert not _excluded("keep.pyc", rules)


# --- compose ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    return loaded


APP_SERVICES = ("migrate", "web", "worker", "beat")


def test_compose_configures_every_app_container_from_the_production_env_file(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert service["env_file"] == "../.env.production", name
        assert (ROOT / "deploy" / service["env_file"]).resolve() == ROOT / ".env.production"
        # Nothing else is passed around the file (so nothing it lists can be forgotten here).
        assert service["environment"] == {"DJANGO_SETTINGS_MODULE": "config.settings.prod"}, name
    text = (ROOT / "deploy" / "compose.yaml").read_text()
    assert "${" not in text.replace("$${", "")
    assert (ROOT / ".env.production.example").exists()
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env.production"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, "the filled-in file is never committed"
    tracked = subprocess.run(["git", "check-ignore", "-q", ".env.production.example"], cwd=ROOT, check=False)
    assert tracked.returncode == 1


def test_compose_keeps_no_media_on_container_disks(compose: dict[str, Any]) -> None:
    # Media go to S3 (AWS_STORAGE_BUCKET_NAME is required): no app container mounts anything.
    for name in APP_SERVICES:
        assert "volumes" not in compose["services"][name], name
    assert set(compose["volumes"]) == {"pgdata", "redisdata"}


def test_compose_gives_worker_and_beat_their_own_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert "healthcheck" not in services["web"]  # the image's: deploy/healthcheck.py web
    assert services["migrate"]["healthcheck"] == {"disable": True}
    worker = services["worker"]["healthcheck"]["test"]
    assert worker[0] == "CMD-SHELL"
    assert "celery -A config inspect ping --destination celery@$${HOSTNAME}" in worker[1]
    beat_command = services["beat"]["command"]
    schedule = next(arg.split("=", 1)[1] for arg in beat_command if arg.startswith("--schedule="))
    assert services["beat"]["healthcheck"]["test"][:5] == ["CMD", "python", "deploy/healthcheck.py", "beat", schedule]
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert 'HEALTHCHECK --interval=30s --timeout=3s CMD ["python", "deploy/healthcheck.py", "web"]' in dockerfile


# --- the health checks themselves ----------------------------------------------------------------------


def test_beat_check_wants_a_schedule_file_written_lately(tmp_path: Path, settings: Any) -> None:
    assert settings.CELERY_BEAT_SYNC_EVERY == 1  # beat rewrites the file after every task it sends
    schedule = str(tmp_path / "celerybeat-schedule")
    now = time.time()
    assert healthcheck.check_beat(schedule=schedule, max_age=180, now=now) == f"beat: no schedule file at {schedule}"
    for suffix in (".dat", ".dir"):  # dbm.dumb's files; dbm.gnu writes the name itself
        Path(schedule + suffix).write_bytes(b"x")
    os.utime(schedule + ".dat", (now - 400, now - 400))
    os.utime(schedule + ".dir", (now - 100, now - 100))
    assert healthcheck.check_beat(schedule=schedule, max_age=180, now=now) is None
    os.utime(schedule + ".dir", (now - 200, now - 200))
    assert "not written for 200s" in str(healthcheck.check_beat(schedule=schedule, max_age=180, now=now))
    assert healthcheck.main(["beat", schedule, "--max-age", "180"]) == 1
    os.utime(schedule + ".dir")
    assert healthcheck.main(["beat", schedule, "--max-age", "180"]) == 0


@pytest.mark.parametrize(
    ("allowed", "host"),
    [
        ("api.obsexperiences.in", "api.obsexperiences.in"),
        ("*,.obs.in", "obs.in"),
        (" , *", "localhost"),
        ("", "localhost"),
    ],
)
def test_web_check_sends_a_host_the_settings_accept(allowed: str, host: str) -> None:
    assert healthcheck.health_host(allowed) == host


@pytest.fixture
def fake_web() -> Iterator[tuple[int, list[str]]]:
    hosts: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hosts.append(self.headers["Host"])
            self.send_response(200 if self.path == "/health/" and self.headers["Host"] == "api.obs.in" else 400)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hosts
    finally:
        server.shutdown()


def test_web_check_asks_health_with_the_configured_host(fake_web: tuple[int, list[str]], monkeypatch: Any) -> None:
    port, hosts = fake_web
    monkeypatch.setenv("ALLOWED_HOSTS", "api.obs.in,admin.obs.in")
    assert healthcheck.main(["web", "--port", str(port)]) == 0
    monkeypatch.setenv("ALLOWED_HOSTS", "other.in")
    assert healthcheck.main(["web", "--port", str(port)]) == 1
    assert hosts == ["api.obs.in", "other.in"]
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = sock.getsockname()[1]
    assert healthcheck.main(["web", "--port", str(closed)]) == 1


@pytest.mark.worker
@pytest.mark.slow
def test_worker_check_is_a_ping_only_a_live_worker_answers(celery_worker: Any, compose: dict[str, Any]) -> None:
    """compose's worker check, run as the container's shell would, against a real worker. The fixture's worker
    is named <queue>@<host> instead of celery@<host>."""
    command = compose["services"]["worker"]["healthcheck"]["test"][1].replace("$$", "$")
    command = command.replace("celery -A", f"{shlex.quote(sys.executable)} -m celery -A")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "HOSTNAME": socket.gethostname()}
    live = subprocess.run(
        ["sh", "-c", command.replace("celery@", f"{celery_worker.queue}@")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert live.returncode == 0, live.stdout + live.stderr
    assert "pong" in live.stdout
    gone = subprocess.run(
        ["sh", "-c", command.replace("celery@", "nobody-here@").replace("--timeout 10", "--timeout 2")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert gone.returncode != 0
