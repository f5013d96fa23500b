"""The API's JWT authentication: simplejwt's, with the user row read by one plain statement.

simplejwt checks the token, then loads its user with ``User.objects.get(id=...)`` and refuses an inactive
user or a token issued before the last password change. Every authenticated request pays for that read;
building it through the ORM costs about 0.3 ms of CPU, as much as the read itself. Here the same read (every
column, so the user is the one the ORM would give, nothing deferred) is one ``SELECT`` whose text is built
once per process, and simplejwt's own ``get_user`` still makes every check.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

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
            cursor.execute(self._sql, [pk])
            row = cursor.fetchone()
        if row is None:
            raise User.DoesNotExist
        return User.from_db(DEFAULT_DB_ALIAS, self._fields, row)


_user_row = _UserRow()


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's ``JWTAuthentication`` (same checks: active user, password unchanged since the token)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user_model = _user_row  # type: ignore[assignment]


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of simplejwt's class, for this one (``jwtAuth``, bearer)."""

    target_class = "apps.users.authentication.JWTAuthentication"
