"""A backup of a seeded database restores into a fresh database with the same rows and money."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from moto import mock_aws
from psycopg import sql

from apps.bookings.models import Booking, Payment, PaymentStatus, Refund
from apps.common.backups import BackupError, Database, find_pg_tool, media_listing


def _rows_per_table(database: Database) -> dict[str, int]:
    """Counted independently of the backup code: every table of the public schema."""
    with database.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]  # type: ignore[index]
    return counts


def _money(database: Database) -> dict[str, Decimal]:
    with database.connect() as conn, conn.cursor() as cursor:
        cursor.execute(f"SELECT sum(amount_paise) FROM {Payment._meta.db_table} WHERE status = 'captured'")
        captured = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute(f"SELECT sum(amount_paise) FROM {Refund._meta.db_table}")
        refunds = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute(f"SELECT sum(final_amount) FROM {Booking._meta.db_table}")
        final = cursor.fetchone()[0]  # type: ignore[index]
    return {"captured": Decimal(captured or 0), "refunds": Decimal(refunds or 0), "final": Decimal(final or 0)}


def _walk(storage: Any, directory: str = "") -> list[str]:
    """Every file name in ``storage`` (its own listing, folder by folder)."""
    folders, files = storage.listdir(directory)
    names = [f"{directory}/{name}".lstrip("/") for name in files]
    for folder in folders:
        names += _walk(storage, f"{directory}/{folder}".lstrip("/"))
    return names


@pytest.fixture
def fresh_database() -> Iterator[Database]:
    source = Database.from_settings(connection.settings_dict)
    target = source.with_name(f"{source.name}_restore_{uuid.uuid4().hex[:8]}")
    yield target
    with source.with_name("postgres").connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target.name)))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_with_the_same_rows_and_money(
    tmp_path: Path, fresh_database: Database, settings: Any
) -> None:
    files = "django.core.files.storage.FileSystemStorage"
    settings.STORAGES = {  # local disk, as without S3: public uploads and private documents
        "default": {"BACKEND": files, "OPTIONS": {"location": str(tmp_path / "media")}},
        "private": {"BACKEND": files, "OPTIONS": {"location": str(tmp_path / "private")}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    backups = tmp_path / "backups"
    call_command("seed_demo", stdout=StringIO())
    paid = Payment.objects.filter(status=PaymentStatus.CAPTURED).first()
    assert paid is not None
    Refund.objects.create(
        booking=paid.booking, payment=paid, amount_paise=150_000, status=Refund.Status.PROCESSED, reason="cancellation"
    )
    default_storage.save("treks/covers/kedarkantha.jpg", ContentFile(b"\xff\xd8 a cover"))
    storages["private"].save("documents/id-proof.pdf", ContentFile(b"%PDF a document"))
    source = Database.from_settings(connection.settings_dict)

    out = StringIO()
    call_command("backup", output=str(backups), stdout=out)
    [backup_dir] = list(backups.iterdir())
    assert backup_dir.name.startswith("obs-")
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    media = json.loads((backup_dir / "media.json").read_text())["files"]
    listed = {(f["storage"], f["name"]) for f in media}
    # Every file of both storages: the two saved here and the demo treks' GPX routes that seed_demo uploaded.
    stored = {("default", name) for name in _walk(default_storage)} | {
        ("private", n) for n in _walk(storages["private"])
    }
    assert listed == stored
    assert {("default", "treks/covers/kedarkantha.jpg"), ("private", "documents/id-proof.pdf")} <= listed
    assert manifest["media"]["files"] == len(media)
    assert all(len(f["sha256"]) == 64 and f["size"] > 0 for f in media)

    storages["private"].delete("documents/id-proof.pdf")  # lost after the backup: the restore reports it
    url = f"postgres://{source.user}@{source.host}:{source.port}/{fresh_database.name}"
    restored_out = StringIO()
    call_command("restore", str(backup_dir), database_url=url, create=True, stdout=restored_out)
    report = restored_out.getvalue()
    assert "every table's row count and the money totals match the backup" in report
    assert "1 missing, 0 changed, 0 new" in report
    assert "missing: documents/id-proof.pdf" in report

    before, after = _rows_per_table(source), _rows_per_table(fresh_database)
    assert before == after
    assert len(before) > 30
    assert before["users_user"] > 5
    assert before[Payment._meta.db_table] > 0
    money = _money(fresh_database)
    assert money == _money(source)
    assert (
        money["captured"] == Payment.objects.filter(status=PaymentStatus.CAPTURED).aggregate(s=Sum("amount_paise"))["s"]
    )
    assert money["refunds"] > 0
    assert money["final"] == Booking.objects.aggregate(s=Sum("final_amount"))["s"]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_damaged_backup(tmp_path: Path, fresh_database: Database) -> None:
    call_command("backup", output=str(tmp_path), stdout=StringIO())
    [backup_dir] = list(tmp_path.iterdir())
    dump = backup_dir / "database.dump"
    dump.write_bytes(dump.read_bytes()[:-10] + b"0123456789")
    url = f"postgres://{fresh_database.user}@{fresh_database.host}:{fresh_database.port}/{fresh_database.name}"
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(backup_dir), database_url=url, create=True, stdout=StringIO())


def test_a_client_of_another_major_version_is_refused_with_what_to_install() -> None:
    with pytest.raises(BackupError, match=r"pg_dump 99 is needed .* postgresql-client-99"):
        find_pg_tool("pg_dump", 99)


@pytest.mark.django_db
def test_pg_dump_of_the_server_version_is_found() -> None:
    major = connection.pg_version // 10000  # type: ignore[attr-defined]
    assert Path(find_pg_tool("pg_dump", major)).name == "pg_dump"


def test_media_listing_reads_the_s3_bucket(settings: Any, monkeypatch: Any) -> None:
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    settings.AWS_STORAGE_BUCKET_NAME, settings.AWS_S3_REGION_NAME = "obs-media", "ap-south-1"
    settings.AWS_S3_ENDPOINT_URL = None
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-south-1")
        s3.create_bucket(Bucket="obs-media", CreateBucketConfiguration={"LocationConstraint": "ap-south-1"})
        s3.put_object(Bucket="obs-media", Key="treks/covers/a.jpg", Body=b"12345")
        s3.put_object(Bucket="obs-media", Key="private/documents/b.pdf", Body=b"1234567")
        listing = media_listing()
    assert listing["source"] == "s3://obs-media"
    assert {(f["name"], f["size"]) for f in listing["files"]} == {
        ("treks/covers/a.jpg", 5),
        ("private/documents/b.pdf", 7),
    }
    assert all(f["etag"] for f in listing["files"])
