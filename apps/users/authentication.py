"""The API's JWT authentication: simplejwt's, with the user row read by one plain statement.

simplejwt checks the token, then loads its user with ``User.objects.get(id=...)`` and refuses an inactive
user or a token issued before the last password change. Every authenticated request pays for that read;
building it through the ORM costs about 0.3 ms of CPU, as much as the read itself. Here the same read (every
column, so the user is the one the ORM would give, nothing deferred) is one ``SELECT`` whose text is built
once per process, and simplejwt's own ``get_user`` still makes every check.

A phone sends the same access token with every request of its lifetime, so a token whose signature and claims
were checked is remembered by its exact text (at most ``VERIFIED_TOKENS_MAX``, the least recently used
forgotten first): its expiry is checked again on every use, and the user row, the active flag and the password
hash it carries are read and compared on every request as before. Only a valid token is remembered.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from apps.common.prepared import execute_prepared
from apps.users.models import User


class _UserRow:
    """Stands in for the user model in simplejwt's ``get_user``: ``objects.get(id=...)`` by one statement."""

    DoesNotExist = User.DoesNotExist

    def __init__(self) -> None:
        self.objects = self
        self._fields = [field.attname for field in User._meta.concrete_fields]
        self._sql: str | None = None

    def get(self, *, id: Any) -> User:
        connection = connections[DEFAULT_DB_ALIAS]
        if self._sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(str(field.column)) for field in User._meta.concrete_fields)
            table, key = quote(User._meta.db_table), quote(str(User._meta.pk.column))
            self._sql = f"SELECT {columns} FROM {table} WHERE {key} = %s"  # noqa: S608  names from the model
        try:
            pk = User._meta.pk.to_python(id)
        except ValidationError as exc:  # a token whose id is not a user id names no user
            raise User.DoesNotExist from exc
        if connection.vendor != "postgresql":  # SQLite (`make run`) stores values apart from Python's types
            return User.objects.get(pk=pk)
        with connection.cursor() as cursor:
            execute_prepared(cursor, self._sql, [pk])
            row = cursor.fetchone()
        if row is None:
            raise User.DoesNotExist
        return User.from_db(DEFAULT_DB_ALIAS, self._fields, row)


_user_row = _UserRow()

# how many checked tokens a process remembers (about 1 KB each)
VERIFIED_TOKENS_MAX = 4096


@lru_cache(maxsize=VERIFIED_TOKENS_MAX)
def _verified(raw_token: bytes) -> Token:
    """simplejwt's check of ``raw_token`` (signature, expiry, type); raises for an invalid one, which is
    therefore never remembered. The keys it is checked with are simplejwt's, set when the process starts."""
    return SimpleJWTAuthentication().get_validated_token(raw_token)


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's ``JWTAuthentication`` (same checks: active user, password unchanged since the token), with
    checked tokens remembered (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_model = _user_row  # type: ignore[assignment]

    def get_validated_token(self, raw_token: bytes) -> Token:
        token = _verified(bytes(raw_token))
        try:
            token.check_exp(current_time=aware_utcnow())  # expired since it was first checked
        except TokenError:
            return super().get_validated_token(raw_token)  # simplejwt's own refusal (401, its messages)
        return token


_SCHEME_DESCRIPTION = """\
An access token in the `Authorization` header: `Authorization: Bearer <access>`.

Any sign-in answers a pair (`access`, `refresh`): `POST /api/v1/auth/login/` (e-mail and password),
`POST /api/v1/auth/google/` (a Google ID token), `POST /api/v1/auth/apple/` (an Apple identity token and its
nonce), `POST /api/v1/auth/otp/verify/` (a code sent by SMS), or `POST /api/v1/auth/register/`. The access
token lives {access_minutes} minutes; renew it with `POST /api/v1/auth/token/refresh/` and the refresh token
(valid {refresh_days} days), which answers a new pair:
refresh tokens rotate, and the one used stops working. `POST /api/v1/auth/logout/` revokes a refresh token.
A deactivated account, or a token issued before the last password change, is refused with 401; roles are read
on every request, so a changed role applies to the next one."""


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's class, for this one (``jwtAuth``, bearer), saying how to get
    and renew a token."""

    target_class = "apps.users.authentication.JWTAuthentication"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        from django.conf import settings

        jwt = settings.SIMPLE_JWT
        definition: dict[str, Any] = dict(super().get_security_definition(auto_schema))
        definition["description"] = _SCHEME_DESCRIPTION.format(
            access_minutes=int(jwt["ACCESS_TOKEN_LIFETIME"].total_seconds() // 60),
            refresh_days=jwt["REFRESH_TOKEN_LIFETIME"].days,
        )
        return definition
