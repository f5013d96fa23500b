"""``manage.py backup``: dump the database (pg_dump -Fc) and list the media into a timestamped directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from apps.common.backups import BackupError, Database, backup, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump custom format) and the media listing into <output>/obs-<UTC time>/, "
        "with a manifest of checksums, row counts and money totals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output", default=None, help="Directory the backup directory is created in (default BACKUP_DIR)."
        )
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args: Any, **options: Any) -> None:
        into = Path(options["output"] or settings.BACKUP_DIR)
        try:
            database = Database.from_settings(connections[options["database"]].settings_dict)
            target = backup(database=database, into=into)
            manifest = read_manifest(target)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        tables = manifest["tables"]
        self.stdout.write(f"backup of {database.describe()} written to {target}")
        self.stdout.write(
            f"  database.dump {manifest['files']['database.dump']['bytes']} bytes; "
            f"{len(tables)} tables, {sum(tables.values())} rows"
        )
        media = manifest["media"]
        self.stdout.write(f"  media: {media['files']} files, {media['bytes']} bytes ({media['source']})")
        for name, value in manifest["totals"].items():
            self.stdout.write(f"  {name}: {value}")
