"""``manage.py restore <backup directory>``: restore a backup made by ``manage.py backup`` and prove it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from apps.common.backups import BackupError, Database, restore


class Command(BaseCommand):
    help = (
        "Restore a backup directory into the configured database (or --database-url, --create for a new one), "
        "then compare every table's row count and the money totals with the backup's manifest and the media "
        "with its listing. Fails when the database does not match the backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="A directory written by manage.py backup.")
        parser.add_argument(
            "--database-url", default=None, help="Restore into this database instead of the configured one."
        )
        parser.add_argument(
            "--create", action="store_true", help="Create the target database first (it must not exist)."
        )
        parser.add_argument(
            "--noinput", "--no-input", action="store_false", dest="interactive", help="Do not ask for confirmation."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["source"])
        try:
            if options["database_url"]:
                database = Database.from_url(options["database_url"])
            else:
                database = Database.from_settings(connections["default"].settings_dict)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if options["interactive"] and not options["create"]:
            answer = input(
                f"This replaces the tables of {database.describe()} with the backup {source}.\nType 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Restore cancelled.")
        try:
            report = restore(source=source, database=database, create=options["create"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"restored {source} into {database.describe()}: {report.tables} tables, {report.rows} rows")
        media = report.media
        self.stdout.write(
            f"  media against the listing: {len(media['missing'])} missing, {len(media['changed'])} changed, "
            f"{len(media['new'])} new"
        )
        for name in media["missing"][:20]:
            self.stdout.write(f"    missing: {name}")
        if report.mismatches:
            raise CommandError("the restored database does not match the backup:\n  " + "\n  ".join(report.mismatches))
        self.stdout.write("  every table's row count and the money totals match the backup")
