"""`make run`'s Sign in with Apple stand-in: a token from apple_dev_token signs in on the real verification path."""

from __future__ import annotations

import json
import re
from io import StringIO
from typing import Any

import pytest
import responses
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from apps.demo.apple_signer import keys_view
from apps.users.models import User
from apps.users.oidc import clear_key_cache

KEYS_URL = "http://127.0.0.1:8000/dev/apple/auth/keys"


def test_the_command_refuses_outside_the_development_settings(settings: Any) -> None:
    settings.DEV_APPLE_SIGNER = False
    with pytest.raises(CommandError):
        call_command("apple_dev_token")


def test_a_minted_token_signs_in(settings: Any, api_client: Any, db: None, tmp_path: Any) -> None:
    settings.BASE_DIR = tmp_path
    settings.DEV_APPLE_SIGNER = True
    settings.APPLE_CLIENT_IDS = ["com.obsexperiences.dev"]
    settings.APPLE_KEYS_URL = KEYS_URL
    out = StringIO()
    call_command("apple_dev_token", "--email", "dev@privaterelay.appleid.com", stdout=out)
    match = re.search(r"-d '(.*)'", out.getvalue())
    assert match
    body = json.loads(match.group(1))
    served = keys_view(RequestFactory().get("/dev/apple/auth/keys"))
    clear_key_cache()
    with responses.RequestsMock() as http:
        http.get(KEYS_URL, body=served.content, headers={"Cache-Control": served["Cache-Control"]})
        response = api_client.post("/api/v1/auth/apple/", body, format="json")
    clear_key_cache()
    assert response.status_code == 200, response.json()
    assert response.json()["is_new_user"] is True
    assert User.objects.get(email="dev@privaterelay.appleid.com").first_name == "Pema"
