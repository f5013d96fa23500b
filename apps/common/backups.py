"""Backups: a ``pg_dump -Fc`` of the database and a listing of the media, checked again on restore.

A backup is a directory ``obs-<UTC time>/`` holding ``database.dump`` (PostgreSQL custom format),
``media.json`` (every media file: S3 objects with size and ETag, or local files with size and SHA-256) and
``manifest.json`` (checksums of both, the row count of every table and a few money totals, all read in the
same snapshot as the dump). ``restore`` checks the dump's checksum, restores it with ``pg_restore`` in one
transaction, then compares the restored database's row counts and totals with the manifest and the current
media with the listing.

pg_dump and pg_restore must be of the server's major version; they are looked for in ``PG_BIN_DIR``, on
``PATH`` and in ``/usr/lib/postgresql/*/bin``.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import psycopg
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import Storage, storages
from psycopg import sql
from psycopg.conninfo import make_conninfo

from apps.common.signals import backup_totals_collect

MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media.json"
FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


# --- database connection -------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """Where a PostgreSQL database is, from a Django ``DATABASES`` entry."""

    name: str
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""
    sslmode: str = ""

    @classmethod
    def from_settings(cls, entry: dict[str, Any]) -> Database:
        if entry.get("ENGINE") != "django.db.backends.postgresql":
            raise BackupError("Backups need PostgreSQL (DATABASE_URL=postgres://...).")
        return cls(
            name=str(entry["NAME"]),
            host=str(entry.get("HOST") or ""),
            port=str(entry.get("PORT") or ""),
            user=str(entry.get("USER") or ""),
            password=str(entry.get("PASSWORD") or ""),
            sslmode=str((entry.get("OPTIONS") or {}).get("sslmode", "")),
        )

    @classmethod
    def from_url(cls, url: str) -> Database:
        import environ

        try:
            entry = environ.Env.db_url_config(url)
        except (ImproperlyConfigured, KeyError, ValueError) as exc:
            raise BackupError(f"Not a database URL: {exc}") from exc
        return cls.from_settings(entry)

    def with_name(self, name: str) -> Database:
        return Database(name, self.host, self.port, self.user, self.password, self.sslmode)

    def libpq_env(self) -> dict[str, str]:
        """Connection settings for pg_dump / pg_restore, passed in the environment (never on the command line)."""
        values = {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": self.name,
            "PGSSLMODE": self.sslmode,
        }
        return {**os.environ, **{key: value for key, value in values.items() if value}}

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        params = {"dbname": self.name, "host": self.host, "port": self.port, "user": self.user}
        params.update(password=self.password, sslmode=self.sslmode)
        conninfo = make_conninfo(**{key: value for key, value in params.items() if value})
        return psycopg.connect(conninfo, **kwargs)

    def describe(self) -> str:
        return f"{self.name} on {self.host or 'localhost'}:{self.port or 5432}"


def server_major(database: Database) -> int:
    with database.connect() as connection:
        return int(connection.info.server_version) // 10000


# --- pg_dump / pg_restore of the server's version ------------------------------------------------


def _tool_major(path: str) -> int | None:
    try:
        output = subprocess.run(  # noqa: S603 (a PostgreSQL client binary found above)
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r"\)\s+(\d+)", output)
    return int(found.group(1)) if found else None


def find_pg_tool(name: str, major: int) -> str:
    """The path of ``name`` (pg_dump, pg_restore) of major version ``major``, or a BackupError saying what to do."""
    candidates: list[str] = []
    if settings.PG_BIN_DIR:
        candidates.append(str(Path(settings.PG_BIN_DIR) / name))
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    candidates.extend(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True))
    seen: list[str] = []
    for path in dict.fromkeys(candidates):
        version = _tool_major(path)
        if version == major:
            return path
        seen.append(f"{path} ({version or 'unusable'})")
    raise BackupError(
        f"{name} {major} is needed for this PostgreSQL {major} server; found: {', '.join(seen) or 'none'}. "
        f"Install the PostgreSQL {major} client (Debian/Ubuntu: apt-get install postgresql-client-{major}) "
        "or set PG_BIN_DIR to the bin directory of that version."
    )


def _run(command: list[str], database: Database) -> None:
    result = subprocess.run(command, env=database.libpq_env(), capture_output=True, text=True, check=False)  # noqa: S603  pg_dump/pg_restore found by find_pg_tool, argument list, no shell
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


# --- what a database holds ------------------------------------------------------------------------


def _totals(cursor: psycopg.Cursor[Any]) -> dict[str, str]:
    """The totals the apps above answer ``backup_totals_collect`` with (money, from the bookings app)."""
    totals: dict[str, str] = {}
    for _receiver, answer in backup_totals_collect.send(sender=Database, cursor=cursor):
        totals.update(cast("dict[str, str]", answer))  # what the receivers return (django-stubs: str | None)
    return totals


def table_counts(cursor: psycopg.Cursor[Any]) -> dict[str, int]:
    """The number of rows of every table outside PostgreSQL's own schemas, as ``schema.table``."""
    cursor.execute(
        "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
        row = cursor.fetchone()
        counts[f"{schema}.{table}"] = int(row[0]) if row else 0
    return counts


def fingerprint(cursor: psycopg.Cursor[Any]) -> dict[str, Any]:
    return {"tables": table_counts(cursor), "totals": _totals(cursor)}


# --- media ----------------------------------------------------------------------------------------


def _walk(storage: Storage, directory: str = "") -> Iterator[str]:
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:  # a storage nothing was ever written to
        return
    for name in sorted(files):
        yield f"{directory}/{name}" if directory else name
    for sub in sorted(directories):
        yield from _walk(storage, f"{directory}/{sub}" if directory else sub)


def _sha256(storage: Storage, name: str) -> str:
    digest = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def media_listing() -> dict[str, Any]:
    """Every media file: the S3 bucket's objects when ``AWS_STORAGE_BUCKET_NAME`` is set, else each file storage's
    files (uploads and private documents) with size and SHA-256."""
    bucket = getattr(settings, "AWS_STORAGE_BUCKET_NAME", None)
    if bucket:
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=getattr(settings, "AWS_S3_ENDPOINT_URL", None) or None,
            region_name=getattr(settings, "AWS_S3_REGION_NAME", None) or None,
        )
        files = [
            {
                "name": item["Key"],
                "size": item["Size"],
                "etag": str(item.get("ETag", "")).strip('"'),
                "last_modified": item["LastModified"].isoformat(),
            }
            for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for item in page.get("Contents", [])
        ]
        return {"source": f"s3://{bucket}", "files": files}
    files = []
    for alias in sorted(settings.STORAGES):
        if alias == "staticfiles":
            continue
        storage = storages[alias]
        for name in _walk(storage):
            files.append({"storage": alias, "name": name, "size": storage.size(name), "sha256": _sha256(storage, name)})
    return {"source": "storages", "files": files}


def _file_key(entry: dict[str, Any]) -> tuple[str, str]:
    return (str(entry.get("storage", "")), str(entry["name"]))


def compare_media(saved: dict[str, Any], current: dict[str, Any]) -> dict[str, list[str]]:
    """Files of the listing missing now, changed since, or new; by name."""
    before = {_file_key(entry): entry for entry in saved["files"]}
    now = {_file_key(entry): entry for entry in current["files"]}
    return {
        "missing": sorted(key[1] for key in before.keys() - now.keys()),
        "changed": sorted(key[1] for key in before.keys() & now.keys() if before[key] != now[key]),
        "new": sorted(key[1] for key in now.keys() - before.keys()),
    }


# --- backup and restore ---------------------------------------------------------------------------


def _file_digest(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def backup(*, database: Database, into: Path) -> Path:
    """Write ``into/obs-<UTC time>/`` with the dump, the media listing and the manifest; return its path."""
    major = server_major(database)
    pg_dump = find_pg_tool("pg_dump", major)
    created = datetime.now(tz=UTC)
    final = into / f"obs-{created:%Y%m%dT%H%M%SZ}"
    target = final.with_name(final.name + ".partial")  # renamed once complete: a failed run leaves no backup
    target.mkdir(parents=True, exist_ok=False)
    try:
        _write_backup(database, target, pg_dump=pg_dump, major=major, created=created)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    target.rename(final)
    return final


def _write_backup(database: Database, target: Path, *, pg_dump: str, major: int, created: datetime) -> None:
    # The counts and totals are read in the snapshot the dump is taken from, so they describe the dump exactly.
    with database.connect() as connection:
        connection.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        connection.read_only = True
        with connection.transaction(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            row = cursor.fetchone()
            snapshot = str(row[0]) if row else ""
            _run(
                [pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target / DUMP}"],
                database,
            )
            contents = fingerprint(cursor)
    media = media_listing()
    (target / MEDIA).write_text(json.dumps(media, indent=1, sort_keys=True))
    manifest = {
        "format": FORMAT_VERSION,
        "created_at": created.isoformat(),
        "database": {"name": database.name, "server_major": major, "pg_dump": pg_dump},
        "files": {DUMP: _file_digest(target / DUMP), MEDIA: _file_digest(target / MEDIA)},
        "media": {
            "source": media["source"],
            "files": len(media["files"]),
            "bytes": sum(f["size"] for f in media["files"]),
        },
        **contents,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))


def read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a backup directory ({MANIFEST}: {exc}).") from exc
    for name, expected in manifest["files"].items():
        if not (source / name).exists() or _file_digest(source / name) != expected:
            raise BackupError(f"{source / name} is missing or does not match its checksum in {MANIFEST}.")
    return manifest


def create_database(database: Database) -> None:
    with database.with_name("postgres").connect(autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database.name)))


@dataclass
class RestoreReport:
    tables: int
    rows: int
    mismatches: list[str]
    media: dict[str, list[str]]


def restore(*, source: Path, database: Database, create: bool = False) -> RestoreReport:
    """Restore the dump of ``source`` into ``database`` (emptied of the backed-up objects first) and compare."""
    manifest = read_manifest(source)
    if create:
        create_database(database)
    major = server_major(database)
    pg_restore = find_pg_tool("pg_restore", major)
    _run(
        [
            pg_restore,
            "--no-password",
            "--no-owner",
            "--no-privileges",
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={database.name}",
            str(source / DUMP),
        ],
        database,
    )
    with database.connect() as connection, connection.cursor() as cursor:
        restored = fingerprint(cursor)
    mismatches = [
        f"{kind} {name}: backup {manifest[kind].get(name)}, restored {restored[kind].get(name)}"
        for kind in ("tables", "totals")
        for name in sorted(set(manifest[kind]) | set(restored[kind]))
        if manifest[kind].get(name) != restored[kind].get(name)
    ]
    saved_media = json.loads((source / MEDIA).read_text())
    return RestoreReport(
        tables=len(restored["tables"]),
        rows=sum(restored["tables"].values()),
        mismatches=mismatches,
        media=compare_media(saved_media, media_listing()),
    )
