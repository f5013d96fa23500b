"""Shared fixtures. Settings are ``config.settings.test``: real PostgreSQL and Redis (see scripts/services.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.users.models import User
from apps.users.roles import StaffRole
from apps.users.services import token_pair_for
from apps.users.tests.factories import UserFactory


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"services: {settings.SERVICES_DESCRIPTION}"]


@pytest.fixture(autouse=True)
def _isolated_cache() -> Iterator[None]:
    """Each test starts with an empty cache namespace (only this process's keys are touched)."""
    cache.delete_pattern("*")
    yield
    cache.delete_pattern("*")


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
