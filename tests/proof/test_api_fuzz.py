"""Schemathesis against /api/schema/, in-process over WSGI, as a trekker and as a staff user.

Bounded for CI (few examples per operation, a deadline per example). Checks: no server errors,
responses (including documented error envelopes) conform to the schema, status codes are documented,
and ``ignored_auth``: an operation that declares authentication refuses a request without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
import responses
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from apps.users.services import token_pair_for
from apps.users.tests.factories import UserFactory

from .actors import build_world

MAX_EXAMPLES = int(os.environ.get("OBS_FUZZ_EXAMPLES", "4"))  # per operation and identity; CI-bounded
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, ignored_auth]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

FUZZ_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=timedelta(seconds=10),
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def fuzz_world(db: None) -> Iterator[dict[str, str]]:
    """Objects the paths may point at, and a token per identity.

    Requests run in this thread on the test's connection (inside its transaction); like Django's test
    client, the WSGI handler must not close that connection at the end of each request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # Google and Apple sign-in configured, their key sets served locally (empty): forged tokens get 401, and
    # nothing reaches the network.
    providers = override_settings(
        GOOGLE_CLIENT_IDS=["fuzz-client.apps.googleusercontent.com"],
        GOOGLE_CERTS_URL="https://certs.example.invalid/oauth2/v3/certs",
        APPLE_CLIENT_IDS=["com.obsexperiences.fuzz"],
        APPLE_KEYS_URL="https://keys.example.invalid/auth/keys",
    )
    try:
        with providers, responses.RequestsMock(assert_all_requests_are_fired=False) as http:
            http.add("GET", "https://certs.example.invalid/oauth2/v3/certs", json={"keys": []})
            http.add("GET", "https://keys.example.invalid/auth/keys", json={"keys": []})
            yield _tokens()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _tokens() -> dict[str, str]:
    world = build_world()
    return {
        "trekker": token_pair_for(world.users["owner"])["access"],
        "staff": token_pair_for(UserFactory(staff_role="super_admin"))["access"],
    }


@pytest.mark.slow
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_trekker(case: schemathesis.Case, fuzz_world: dict[str, str]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_world['trekker']}"}, checks=CHECKS)


@pytest.mark.slow
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_staff(case: schemathesis.Case, fuzz_world: dict[str, str]) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_world['staff']}"}, checks=CHECKS)
