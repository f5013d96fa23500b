"""The error catalogue: every error the API answers, each code with one status, declared in one place, documented.

Each app keeps its errors in ``apps/<app>/errors.py`` (``apps.common.exceptions`` for common): a class with one
``code`` and one ``status_code``. Raise sites name the class and never pass a code. What the API answers for
a class is read from the exception handler itself, so DRF's and simplejwt's exceptions and the Django and
database errors it maps are held to the same rule.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError, OperationalError
from django.http import Http404
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.exceptions import APIException

from apps.common.exceptions import ApplicationError, RateLimited, exception_handler

APPS_DIR = Path(settings.BASE_DIR) / "apps"
API_DOC = Path(settings.BASE_DIR) / "docs" / "api.md"

# Where error classes may live. The JSON parser's errors stay beside the parser: DRF imports the parser
# (``DEFAULT_PARSER_CLASSES``) while ``rest_framework.views`` loads, which ``apps.common.exceptions`` imports.
ERRORS_MODULE = re.compile(r"^apps\.(common\.exceptions|common\.parsers|\w+\.errors)$")
PARSER_MODULE = "apps.common.parsers"

# Field-level validation (Django forms, DRF serializers) keeps its codes, passed as named constants.
FIELD_VALIDATION_ERRORS = {"ValidationError"}

# Exceptions that are not error classes of ours but that the handler answers with a code of the catalogue.
FOREIGN = (
    Http404(),
    RequestDataTooBig(),
    TooManyFieldsSent(),
    DjangoPermissionDenied(),
    DjangoValidationError("bad"),
    IntegrityError("duplicate key value violates unique constraint"),
    IntegrityError("check constraint violated"),
    OperationalError(),
    RedisConnectionError(),
    DatabaseError(),
    RuntimeError(),
)


def _source_files() -> list[Path]:
    return [
        path
        for path in sorted(APPS_DIR.rglob("*.py"))
        if "tests" not in path.relative_to(APPS_DIR).parts and "migrations" not in path.parts
    ]


def _module_name(path: Path) -> str:
    parts = path.relative_to(APPS_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _subclasses(base: type) -> Iterator[type]:
    for sub in base.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@pytest.fixture(scope="module")
def error_classes() -> list[type[Exception]]:
    """Every error class of every app (all their modules imported), with DRF's and simplejwt's."""
    for path in _source_files():
        importlib.import_module(_module_name(path))
    found = {*_subclasses(ApplicationError), *_subclasses(APIException)}  # the two bases are never raised as such
    return sorted(
        (cls for cls in found if ".tests" not in cls.__module__), key=lambda cls: (cls.__module__, cls.__qualname__)
    )


def _instance(cls: type[Exception]) -> Exception:
    if issubclass(cls, RateLimited):
        return cls(retry_after=1)
    try:
        return cls()
    except TypeError:  # DRF's MethodNotAllowed and UnsupportedMediaType name what was refused
        return cls("x")


def _answer(exc: Exception) -> tuple[str, int]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.data["error"]["code"], response.status_code


@pytest.fixture(scope="module")
def catalogue(error_classes: list[type[Exception]]) -> dict[str, set[int]]:
    """code -> the statuses the API answers it with (what the handler makes of each class)."""
    answers: dict[str, set[int]] = defaultdict(set)
    for exc in [*(_instance(cls) for cls in error_classes), *FOREIGN]:
        code, status = _answer(exc)
        answers[code].add(status)
    return dict(answers)


def test_every_error_class_of_the_apps_lives_in_its_errors_module(error_classes: list[type[Exception]]) -> None:
    ours = [cls for cls in error_classes if cls.__module__.startswith("apps.")]
    misplaced = [f"{cls.__module__}.{cls.__qualname__}" for cls in ours if not ERRORS_MODULE.match(cls.__module__)]
    assert misplaced == []
    parser_errors = [cls for cls in ours if cls.__module__ == PARSER_MODULE]
    assert all(issubclass(cls, APIException) for cls in parser_errors)
    assert {cls.__module__.split(".")[1] for cls in ours} >= {"common", "users", "treks", "bookings"}


def test_every_error_class_declares_its_own_code(error_classes: list[type[Exception]]) -> None:
    """A new case is a new class with a code of its own, not a subclass that answers its parent's code."""
    ours = [cls for cls in error_classes if cls.__module__.startswith("apps.")]
    unnamed = [cls.__qualname__ for cls in ours if "code" not in vars(cls) and "default_code" not in vars(cls)]
    assert unnamed == []


def test_each_code_answers_one_status(catalogue: dict[str, set[int]]) -> None:
    several = {code: sorted(statuses) for code, statuses in catalogue.items() if len(statuses) > 1}
    assert several == {}
    assert catalogue["idempotency_key_reused"] == {422}
    assert len(catalogue) > 80


def test_one_class_per_code_across_apps(error_classes: list[type[Exception]]) -> None:
    """Two apps may word one code differently (``not_author``), but a code is never two different errors."""
    classes: dict[str, set[str]] = defaultdict(set)
    for cls in error_classes:
        if issubclass(cls, ApplicationError):
            classes[cls.code].add(cls.__module__.split(".")[1])
    assert {code: apps for code, apps in classes.items() if len(apps) > 1} == {"not_author": {"community", "messaging"}}


def _documented() -> dict[str, int]:
    text = API_DOC.read_text()
    section = text[text.index("### Error codes") :]
    section = section[: section.index("\n## ")] if "\n## " in section else section
    return {code: int(status) for code, status in re.findall(r"^\| `([a-z_]+)` \| (\d{3}) \|", section, re.M)}


def test_docs_list_every_code_with_its_status(catalogue: dict[str, set[int]]) -> None:
    answered = {code: min(statuses) for code, statuses in catalogue.items()}
    documented = _documented()
    assert {code: status for code, status in answered.items() if documented.get(code) != status} == {}
    assert sorted(set(documented) - set(answered)) == []


def _code_keyword_calls(tree: ast.AST, error_names: set[str]) -> Iterator[tuple[int, str, ast.keyword]]:
    """Calls passing ``code=`` or ``status_code=``: in a ``raise``, or to any error class by name."""
    raised = {id(node.exc) for node in ast.walk(tree) if isinstance(node, ast.Raise) and node.exc is not None}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if id(node) not in raised and name not in error_names:
            continue
        for keyword in node.keywords:
            if keyword.arg in ("code", "status_code"):
                yield node.lineno, name, keyword


def test_no_raise_site_passes_a_code(error_classes: list[type[Exception]]) -> None:
    error_names = {cls.__name__ for cls in error_classes} | FIELD_VALIDATION_ERRORS
    offenders = []
    scanned = 0
    for path in _source_files():
        for lineno, name, keyword in _code_keyword_calls(ast.parse(path.read_text()), error_names):
            scanned += 1
            named_constant = isinstance(keyword.value, ast.Name | ast.Attribute)
            if name in FIELD_VALIDATION_ERRORS and keyword.arg == "code" and named_constant:
                continue
            offenders.append(f"{path.relative_to(APPS_DIR.parent)}:{lineno} {name}({keyword.arg}=...)")
    assert offenders == []
    assert scanned >= 3  # the catalog filters' field codes: the scan does see keyword arguments


def test_the_scan_catches_a_code_at_a_raise_site() -> None:
    source = (
        "def f():\n"
        "    raise Conflict('taken', code='email_taken')\n"
        "def g():\n"
        "    error = NotFound('gone', status_code=410)\n"
        "    raise error\n"
        "def h():\n"
        "    raise ValidationError('bad', code=FIELD_INVALID)\n"
    )
    found = [(line, name, kw.arg) for line, name, kw in _code_keyword_calls(ast.parse(source), {"NotFound"})]
    assert found == [(2, "Conflict", "code"), (4, "NotFound", "status_code"), (7, "ValidationError", "code")]
