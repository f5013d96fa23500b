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

A view whose first statement can carry the user row (a booking's look) lists its methods in
``user_read_by_view`` (:class:`UserReadByView`). For those, authentication checks the token and hands on the
user *deferred*: an instance with its id only. The view's statement reads the row with its own, and
:func:`user_verified` makes simplejwt's checks on it (the same three: the user exists, is active, and has not
changed password since the token) before anything is decided, written or answered: one round trip less, the
same refusals. Whatever path the request takes instead (a 400, a 404 before that statement), the user is
verified with the usual read before the response leaves (:meth:`UserReadByView.finalize_response`), and reading
any other field of an unverified user verifies it first (``User.refresh_from_db``): an unverified user never
gets an answer other than the 401 it would have got.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, TypeGuard

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework_simplejwt.authentication import AuthUser
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import aware_utcnow

from apps.common.prepared import execute_prepared
from apps.common.sql import instance_from_json
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

    def authenticate(self, request: Request) -> tuple[AuthUser, Token] | None:
        view = (getattr(request, "parser_context", None) or {}).get("view")
        if request.method not in getattr(view, "user_read_by_view", ()):
            return super().authenticate(request)
        header = self.get_header(request)
        raw_token = None if header is None else self.get_raw_token(header)
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        return _deferred(token), token  # type: ignore[return-value]  # a User: simplejwt types it as a TypeVar


class _GivenRow:
    """Stands in for the user model in simplejwt's ``get_user``: the row a view's own statement read (None: no
    such user)."""

    DoesNotExist = User.DoesNotExist

    def __init__(self, user: User | None) -> None:
        self.objects = self
        self._user = user

    def get(self, *, id: Any) -> User:
        if self._user is None or str(self._user.pk) != str(id):
            raise User.DoesNotExist
        return self._user


_TOKEN = "_token_to_verify"  # set on a deferred user (in its __dict__, never a field) until it is verified


def _deferred(token: Token) -> User:
    """The user ``token`` names, with its id only and the token kept for :func:`user_verified`."""
    try:
        pk = User._meta.pk.to_python(token[api_settings.USER_ID_CLAIM])
    except (KeyError, ValidationError):  # no user id, or not one: simplejwt's own refusal, as the usual read gives
        _checked(token, None)
        raise
    user = User.from_db(DEFAULT_DB_ALIAS, [User._meta.pk.attname], [pk])
    user.__dict__[_TOKEN] = token
    return user


def is_deferred(user: Any) -> TypeGuard[User]:
    """Whether ``user`` was handed on by :class:`JWTAuthentication` before its row was read and checked."""
    return isinstance(user, User) and _TOKEN in user.__dict__


@lru_cache(maxsize=1)
def _user_row_json_sql() -> str:
    """The user's row as JSON (one ``%s``: the user's id), NULL when there is none; built once per process."""
    table, key = connections[DEFAULT_DB_ALIAS].ops.quote_name(User._meta.db_table), User._meta.pk.column
    return f"(SELECT to_json(u) FROM {table} u WHERE u.{key} = %s)"  # noqa: S608  names from the model


def with_user_row(user: User, sql: str, params: list[Any]) -> tuple[str, list[Any]]:
    """A view's first statement ``sql`` (at most one row) carrying a deferred ``user``'s row in front of its own
    columns, as always one row (its columns all NULL when ``sql`` gives none); ``sql`` as it is for any other user.
    Read the result with :func:`user_checked`."""
    if not is_deferred(user):
        return sql, params
    return _with_user_row_sql(sql), [user.pk, *params]


@lru_cache(maxsize=64)
def _with_user_row_sql(sql: str) -> str:
    """:func:`with_user_row`'s text around a view's statement ``sql`` (a text from code, the same on every
    request): built once per statement."""
    return f"SELECT {_user_row_json_sql()}, q.* FROM (SELECT 1) one LEFT JOIN ({sql}) q ON true"  # noqa: S608  SQL from code, values as parameters


def user_checked(user: User, row: Sequence[Any] | None) -> Sequence[Any] | None:
    """The row of a statement made by :func:`with_user_row`, without the user's column, once a deferred ``user`` has
    been completed from it and checked as simplejwt checks it (401: no such user, inactive, or a password changed
    since the token), before the caller decides anything."""
    if not is_deferred(user):
        return row
    assert row is not None
    user_verified(user, row[0])
    return row[1:]


def user_verified(user: User, row: dict[str, Any] | None) -> None:
    """Complete a deferred ``user`` with its ``row`` (as JSON; None: no such user) and make simplejwt's checks on
    it: 401 for a user who does not exist, is inactive, or changed password after the token was issued. Afterwards
    ``user`` is a whole instance, as the usual read would have given."""
    read = None if row is None else instance_from_json(User, row)
    _complete(user, _checked(user.__dict__[_TOKEN], read))


def _checked(token: Token, read: User | None) -> Any:
    """simplejwt's ``get_user`` for ``token`` on a row read already (None: no such user): its checks, its refusals."""
    authentication = JWTAuthentication()
    authentication.user_model = _GivenRow(read)  # type: ignore[assignment]
    return authentication.get_user(token)


def ensure_verified(user: User) -> None:
    """Verify a deferred ``user`` with the usual read (nothing to do for any other)."""
    if is_deferred(user):
        _complete(user, JWTAuthentication().get_user(user.__dict__[_TOKEN]))


def _complete(user: User, read: Any) -> None:
    for field in User._meta.concrete_fields:
        user.__dict__[field.attname] = read.__dict__[field.attname]
    del user.__dict__[_TOKEN]


class UserReadByView:
    """A view (listed before ``APIView``) whose methods in ``user_read_by_view`` read the signed-in user in their
    own first statement (see the module docstring). Whatever the answer, the user is verified before it leaves:
    a deferred user the view did not verify (a 400, a 404 before its statement) is read as usual, and a failed
    check answers 401 instead (a database that fails the read: what the exception handler answers for it, as when
    authentication's own read fails)."""

    user_read_by_view: tuple[str, ...] = ()

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        user = getattr(request, "_user", None)  # set only once authentication ran
        if is_deferred(user):
            try:
                ensure_verified(user)
            except Exception as exc:  # noqa: BLE001  answered as the usual read's failure is (401, or 503 for the database)
                response = self.handle_exception(exc)  # type: ignore[attr-defined]
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


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
