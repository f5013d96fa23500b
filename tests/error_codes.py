"""Every error code the API answers in the test suite is one its operation's schema declares.

``RecordErrorCodes`` (outermost middleware of ``config.settings.test``) notes the method, path, status and code of
every error envelope answered; the autouse fixture ``_declared_error_codes`` (root ``conftest.py``) fails the test in
which an operation answered a code that the ``code`` enum of that status in its schema does not list. A 500 is a bug,
not part of a contract, and an address or method the schema has no operation for (an unknown URL, a 405) is no
operation's answer: neither is checked.
"""

from __future__ import annotations

import importlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.http import HttpRequest, HttpResponse

from apps.common.schema_errors import response_codes


@dataclass(frozen=True)
class Answer:
    method: str
    path: str
    status: int
    code: str


answered: list[Answer] = []


class RecordErrorCodes:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 400 and not response.streaming:
            content_type = response.get("Content-Type", "")
            if content_type.startswith("application/json") and response.content:
                try:
                    body = json.loads(response.content)
                except ValueError:
                    return response
                error = body.get("error") if isinstance(body, dict) else None
                if isinstance(error, dict) and isinstance(error.get("code"), str):
                    answered.append(Answer(request.method or "", request.path, response.status_code, error["code"]))
        return response


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    # The project's own URLs as its settings module names them, whatever urlconf the first test to ask had
    # (``pytest.mark.urls`` replaces ``settings.ROOT_URLCONF``): views that tests define for themselves are no
    # operation of the API and stay unchecked.
    urlconf = importlib.import_module(os.environ["DJANGO_SETTINGS_MODULE"]).ROOT_URLCONF
    schema: dict[str, Any] = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    return schema


@lru_cache(maxsize=1)
def _routes() -> list[tuple[re.Pattern[str], str]]:
    """(path pattern, schema path), the most literal first (``/treks/featured/`` before ``/treks/{slug}/``)."""
    paths = sorted(_schema()["paths"], key=lambda p: (p.count("{"), -len(p)))
    return [(re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(p)) + "$"), p) for p in paths]


def declared(method: str, path: str, status: int) -> tuple[str, set[str] | None] | None:
    """(operationId, codes the schema declares for ``status``) of the operation answering ``method path``;
    None when the schema has no such operation."""
    for pattern, schema_path in _routes():
        if pattern.match(path):
            operation = _schema()["paths"][schema_path].get(method.lower())
            if operation is None:
                return None
            response = operation["responses"].get(str(status))
            return operation["operationId"], None if response is None else response_codes(_schema(), response)
    return None


def undeclared(answers: list[Answer]) -> list[str]:
    """The answers whose code the schema of their operation does not declare, worded for a failure."""
    problems = []
    for answer in answers:
        if answer.status == 500:
            continue
        found = declared(answer.method, answer.path, answer.status)
        if found is None:
            continue
        operation_id, codes = found
        if codes is None or answer.code not in codes:
            problems.append(
                f"{operation_id} ({answer.method} {answer.path}) answered {answer.status} {answer.code!r}, "
                f"its schema declares {sorted(codes) if codes is not None else 'no code'} for {answer.status}"
            )
    return sorted(set(problems))
