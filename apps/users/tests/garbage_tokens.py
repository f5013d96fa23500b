"""Tokens that cannot be a valid ID token of a provider, made from a valid one (garbage to refuse unfetched)."""

from __future__ import annotations

import base64
import json
import time
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload, signature = token.split(".")
    return (
        json.loads(base64.urlsafe_b64decode(header + "==")),
        json.loads(base64.urlsafe_b64decode(payload + "==")),
        signature,
    )


def _rebuild(header: Any, payload: Any, signature: str) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}.{signature}"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()
# Values no claim or header field of a valid ID token can have; each is tried on every field below.
_WRONG_VALUES: list[Any] = [_MISSING, None, True, 0, [], {}, "", "x" * 300]
_WRONG_HEADER = {
    "alg": ["none", "HS256", "ES256", "RS512"],
    "kid": ["has space", "../../etc", "k" * 129],
    "typ": ["JWS"],
}
_WRONG_CLAIMS = {
    "iss": ["https://evil.example.com", "accounts.google.com.evil.example"],
    "aud": ["someone-elses-app.apps.googleusercontent.com"],
    "sub": ["has space", "\u00fcber"],
    "exp": [int(time.time()) - 3600, int(time.time()) + 10 * 86400, "9999999999"],
    "iat": [int(time.time()) + 3600, "0"],
}


def _set(mapping: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    changed = dict(mapping)
    if value is _MISSING:
        changed.pop(key, None)
    else:
        changed[key] = value
    return changed


def garbage(valid: str, **wrong_claims: list[Any]) -> list[tuple[str, str]]:
    """Tokens that cannot be a valid ID token, generated from a valid one: every header field and every claim
    checked without a key (``wrong_claims``: the provider's own) gets every wrong value, and the token's shape is
    broken in every place."""
    header, payload, signature = _segments(valid)
    cases: list[tuple[str, str]] = []
    for key, specific in _WRONG_HEADER.items():
        for value in [*_WRONG_VALUES, *specific]:
            if key == "typ" and value is _MISSING:
                continue  # typ is optional
            cases.append((f"header.{key}={value!r:.20}", _rebuild(_set(header, key, value), payload, signature)))
    for key, specific in {**_WRONG_CLAIMS, **wrong_claims}.items():
        for value in [*_WRONG_VALUES, *specific]:
            cases.append((f"claim.{key}={value!r:.20}", _rebuild(header, _set(payload, key, value), signature)))
    head, body, sig = valid.split(".")
    raw = base64.urlsafe_b64decode(sig + "==")
    cases += [
        ("empty", ""),
        ("not a jwt", "not-a-jwt"),
        ("two segments", f"{head}.{body}"),
        ("four segments", f"{valid}.{sig}"),
        ("empty header", f".{body}.{sig}"),
        ("empty payload", f"{head}..{sig}"),
        ("empty signature", f"{head}.{body}."),
        ("padding", f"{head}=.{body}.{sig}"),
        ("standard base64", f"{head}.{body}.{sig}+/"),
        ("whitespace inside", f"{head}. {body}.{sig}"),
        ("header not json", f"{_b64(b'{nope')}.{body}.{sig}"),
        ("payload not json", f"{head}.{_b64(b'nope')}.{sig}"),
        ("header a list", _rebuild([header], payload, sig)),
        ("payload a string", _rebuild(header, "claims", sig)),
        ("payload latin-1", f"{head}.{_b64(chr(233).encode('latin-1'))}.{sig}"),
        ("short signature", f"{head}.{body}.{_b64(raw[:32])}"),
        ("long signature", f"{head}.{body}.{_b64(raw + raw[:44])}"),
        ("unicode", f"{head}.{body}.{sig}\u00e9"),
    ]
    return cases
