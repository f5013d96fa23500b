from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from apps.common.logging import RedactingFilter, RequestIDFilter, redact
from apps.common.tests.production_env import production_env

ROOT = Path(__file__).resolve().parents[3]

# The documented production environment (.env.production.example), secrets filled in.
PROD_ENV = production_env()


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in PROD_ENV and not k.startswith("OBS_TEST")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.prod", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- health ------------------------------------------------------------------------------------


def test_health_is_ok_without_io(api_client: APIClient) -> None:
    # No django_db mark: any database access here would raise.
    response = api_client.get("/health/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


@pytest.mark.django_db
def test_ready_checks_database_and_cache(api_client: APIClient) -> None:
    response = api_client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_ready_pings_the_broker_when_one_is_configured(api_client: APIClient, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = api_client.get("/ready/")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


@pytest.mark.django_db
def test_ready_reports_an_unreachable_broker(api_client: APIClient, settings: Any, monkeypatch: Any) -> None:
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = api_client.get("/ready/")
    assert response.status_code == 200  # tasks wait for the sweepers; the API keeps serving
    checks = {"database": "ok", "cache": "ok", "broker": "unavailable"}
    assert response.json() == {"status": "degraded", "checks": checks}


@pytest.mark.django_db(transaction=True)
def test_ready_503_when_database_unreachable(api_client: APIClient) -> None:
    original_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = api_client.get("/ready/")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = original_port
    assert response.status_code == 503
    error = response.json()["error"]
    assert (error["code"], error["details"]) == ("not_ready", {"checks": {"database": "unavailable", "cache": "ok"}})
    assert "127.0.0.1" not in response.content.decode()


@pytest.mark.django_db
def test_ready_reports_redis_down_as_degraded(api_client: APIClient, settings: Any) -> None:
    from django.core.cache import cache

    dead = {"default": {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    with override_settings(CACHES=dead):
        cache.set("still", "answers")  # from process memory
        assert cache.get("still") == "answers"
        response = api_client.get("/ready/")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "checks": {"database": "ok", "cache": "unavailable"}}


# --- request id --------------------------------------------------------------------------------


def test_request_id_is_echoed(api_client: APIClient) -> None:
    response = api_client.get("/health/", HTTP_X_REQUEST_ID="trek-42.abc")
    assert response["X-Request-ID"] == "trek-42.abc"


@pytest.mark.parametrize("incoming", ["", "has spaces", "x" * 200, "<script>"])
def test_request_id_generated_when_missing_or_malformed(api_client: APIClient, incoming: str) -> None:
    response = api_client.get("/health/", HTTP_X_REQUEST_ID=incoming)
    generated = response["X-Request-ID"]
    assert generated != incoming
    assert len(generated) == 32


@pytest.mark.django_db
def test_request_id_in_error_body_and_logs(api_client: APIClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="apps.common.exceptions"):
        response = api_client.get("/api/v1/users/me/", HTTP_X_REQUEST_ID="req-xyz")
    assert response.json()["error"]["request_id"] == "req-xyz"


def test_log_records_carry_request_id() -> None:
    from apps.common.context import request_id_var

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    token = request_id_var.set("rid-1")
    try:
        RequestIDFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.request_id == "rid-1"


# --- logging hygiene --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "leaked"),
    [
        ("login password=hunter22 ok", "hunter22"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("token eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJl issued", "eyJ1c2VyX2lkIjoxfQ"),
        ('{"otp": "482913"}', "482913"),
        ("sms to +919812345678", "98123"),
    ],
)
def test_redaction(raw: str, leaked: str) -> None:
    assert leaked not in redact(raw)


def test_redacting_filter_rewrites_message() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "otp=%s", ("123456",), None)
    RedactingFilter().filter(record)
    assert "123456" not in record.getMessage()


# --- OpenAPI ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_schema_validates_without_warnings(tmp_path: Path) -> None:
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/auth/login/" in out.read_text()


def _schema_variants(client: APIClient) -> dict[str, Any]:
    return {
        "yaml": client.get("/api/schema/"),
        "json by Accept": client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"),
        "json by format": client.get("/api/schema/?format=json"),
        "hindi by lang": client.get("/api/schema/?lang=hi"),
        "hindi by Accept-Language": client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="hi"),
        "unknown language": client.get("/api/schema/?lang=xx-unknown"),
        "a version": client.get("/api/schema/?version=9.9"),
    }


def test_the_schema_is_built_once_per_variant_and_sent_as_drf_spectacular_builds_it(
    api_client: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public document costs 0.4-0.8 s to build: a process builds each variant once (hostile query strings
    make no new variant) and sends what drf-spectacular's own view sends."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.views import SpectacularAPIView
    from rest_framework.test import APIRequestFactory

    from apps.common import views

    views._schemas.clear()
    built: list[int] = []
    generate = SchemaGenerator.get_schema

    def counted(self: SchemaGenerator, *args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    first = _schema_variants(api_client)
    assert len(built) == 3  # YAML, JSON, Hindi YAML
    again = _schema_variants(api_client)
    assert len(built) == 3
    for name, response in again.items():
        assert response.status_code == 200, name
        assert response.content == first[name].content, name
        for header in ("Content-Type", "Content-Disposition", "Vary"):
            assert response[header] == first[name][header], (name, header)
    assert first["json by Accept"].content == first["json by format"].content != first["yaml"].content
    assert first["hindi by lang"].content == first["hindi by Accept-Language"].content != first["yaml"].content
    assert first["unknown language"].content == first["a version"].content == first["yaml"].content
    library = SpectacularAPIView.as_view()
    factory = APIRequestFactory()
    for name, query, accept in (
        ("yaml", "", None),
        ("json by format", "?format=json", None),
        ("hindi by lang", "?lang=hi", None),
    ):
        request = factory.get(f"/api/schema/{query}", **({"HTTP_ACCEPT": accept} if accept else {}))
        expected = library(request).render()
        assert expected.content == first[name].content, name
        assert expected["Content-Type"] == first[name]["Content-Type"], name


# ?lang= values of every kind: a language Django has strings for but the API does not speak, case and region
# variants, no language at all (a null byte, a header injection, 5,000 characters, a script name)
HOSTILE_LANGS = {
    "zh-hans": "en", "de": "en", "EN": "en", "en-GB": "en", "HI": "hi", "hi-IN": "hi", "%00": "en",
    "en%0d%0aX-Injected:%20y": "en", "x" * 5000: "en", "हिन्दी": "en", "../../etc/passwd": "en", "": "en",
}  # fmt: skip


def test_any_lang_is_built_as_one_of_the_apis_languages_and_poisons_no_variant(api_client: APIClient) -> None:
    """A first request with an odd ``?lang=`` fills the cache for everyone after it: the document it builds must
    be the one of the language it is kept under (English or Hindi), whatever Django itself has strings for."""
    from apps.common import views

    views._schemas.clear()
    expected = {"en": api_client.get("/api/schema/").content, "hi": api_client.get("/api/schema/?lang=hi").content}
    assert expected["en"] != expected["hi"]
    for lang, language in HOSTILE_LANGS.items():
        views._schemas.clear()  # each one the first request of its process
        response = api_client.get(f"/api/schema/?lang={lang}")
        assert response.status_code == 200, lang
        assert response.content == expected[language], lang
        assert [variant[2] for variant in views._schemas] == [language], lang
        assert "X-Injected" not in response


def test_swagger_ui_and_assets_are_served_locally(api_client: APIClient) -> None:
    page = api_client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    asset = api_client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert api_client.get("/api/redoc/").status_code == 200
    assert api_client.get("/api/schema/").status_code == 200


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_production_settings_fail_fast_on_missing_env() -> None:
    env = {**PROD_ENV, "SECRET_KEY": "", "REDIS_URL": ""}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY, REDIS_URL" in result.stderr


def test_production_logs_are_json() -> None:
    code = (
        "import django, logging; django.setup(); from django.conf import settings; "
        "print(settings.LOGGING['handlers']['console']['formatter'], settings.DEBUG)"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OBS_TEST")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.prod", **PROD_ENV},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["json", "False"], result.stderr


def test_the_getting_started_page_is_in_the_schema_description() -> None:
    from pathlib import Path

    from drf_spectacular.generators import SchemaGenerator

    description = SchemaGenerator().get_schema(public=True)["info"]["description"]
    page = (Path(__file__).resolve().parents[3] / "docs" / "getting-started.md").read_text(encoding="utf-8")
    assert "docs/getting-started.md" in description
    for heading in ("Signing in", "Lists", "Errors", "Idempotency keys", "ETags", "Rate limits", "Webhooks"):
        assert f"\n## {heading}\n" in page
        assert f"\n# {heading}\n" in description
