"""The strict JSON reader: finite numbers only, nesting bounded by JSON_MAX_DEPTH."""

from __future__ import annotations

import math

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIClient

from apps.common import parsers
from apps.common.fields import FiniteFloatField
from apps.common.tests.test_errors import envelope

NON_FINITE_LITERALS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1E400", "123456789e999"]


@pytest.mark.parametrize("literal", NON_FINITE_LITERALS)
def test_non_finite_literals_are_refused_wherever_they_sit(literal: str) -> None:
    for text in (literal, f"[{literal}]", f'{{"a": {{"b": [1, {literal}]}}}}'):
        with pytest.raises(parsers.NonFiniteNumber):
            parsers.loads(text)


def test_finite_numbers_and_strings_that_look_non_finite_are_kept() -> None:
    assert parsers.loads('{"a": 1.5e308, "b": -2, "c": "nan", "d": "Infinity", "e": 1e-999}') == {
        "a": 1.5e308,
        "b": -2,
        "c": "nan",
        "d": "Infinity",
        "e": 0.0,
    }


def test_an_integer_beyond_the_digit_limit_is_a_parse_error_not_a_crash() -> None:
    with pytest.raises(parsers.JSONInvalid):
        parsers.loads("9" * 5000)


@pytest.mark.parametrize(("opening", "closing"), [("[", "]"), ('{"a":', "}")])
def test_depth_limit_is_exact(opening: str, closing: str) -> None:
    def nested(depth: int) -> str:
        return opening * depth + "1" + closing * depth

    assert parsers.loads(nested(5), limit=5) is not None
    with pytest.raises(parsers.JSONTooDeep):
        parsers.loads(nested(6), limit=5)


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_depth_beyond_the_interpreters_recursion_limit_is_too_deep(depth: int) -> None:
    with pytest.raises(parsers.JSONTooDeep):
        parsers.loads("[" * depth + "]" * depth)


@pytest.mark.parametrize("text", ['"a\\u0000"', '{"a\\u0000": 1}', '[{"a": ["ok", "\\u0000"]}]'])
def test_nul_characters_are_refused_in_keys_and_values(text: str) -> None:
    with pytest.raises(parsers.NulCharacter):
        parsers.loads(text)
    assert parsers.loads('"a\\\\u0000"') == "a\\u0000"  # an escaped backslash is not a NUL


def test_depth_limit_comes_from_settings(settings) -> None:
    settings.JSON_MAX_DEPTH = 3
    assert parsers.loads("[[[1]]]") == [[[1]]]
    with pytest.raises(parsers.JSONTooDeep):
        parsers.loads("[[[[1]]]]")


@pytest.mark.parametrize(
    "spelling", ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999", math.nan, math.inf]
)
def test_finite_float_field_refuses_every_spelling(spelling: object) -> None:
    field = FiniteFloatField()
    with pytest.raises(ValidationError, match="finite number"):
        field.run_validation(spelling)
    assert field.run_validation("2.5") == 2.5


@pytest.mark.django_db
@pytest.mark.urls("apps.common.tests.urls")
@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"name": NaN}', "non_finite_number"),
        ('{"name": 1e999}', "non_finite_number"),
        ('{"name": ' + "[" * 40 + "]" * 40 + "}", "json_too_deep"),
        ('{"name": ', "parse_error"),
        ('{"name": {"x": "\\u0000"}}', "nul_character"),
        (b'{"name": "\xff"}', "parse_error"),
    ],
)
def test_parser_errors_answer_400_envelopes(api_client: APIClient, body: str | bytes, code: str) -> None:
    response = api_client.post("/echo/", body, content_type="application/json")
    error = envelope(response)
    assert (response.status_code, error["code"]) == (400, code)


@pytest.mark.django_db
@pytest.mark.urls("apps.common.tests.urls")
def test_a_body_within_the_limits_reads_as_before(api_client: APIClient) -> None:
    response = api_client.post("/echo/", '{"a": [1.5, "nan", {"b": null}]}', content_type="application/json")
    assert (response.status_code, response.json()) == (200, {"a": [1.5, "nan", {"b": None}]})
