from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.demo.accounts import DEMO_PASSWORD, DEMO_USERS


class Command(BaseCommand):
    help = "Print where the running service can be reached and the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        base = f"http://{options['host']}:{options['port']}"
        lines = [
            "",
            "OBS Experiences API",
            f"  API index     {base}/api/v1/",
            f"  API docs      {base}/api/docs/   (ReDoc: {base}/api/redoc/, schema: {base}/api/schema/)",
            f"  Admin         {base}/admin/",
            f"  Health        {base}/health/   {base}/ready/",
            "",
            f"Demo logins (password for all: {DEMO_PASSWORD}):",
        ]
        for spec in DEMO_USERS:
            role = spec["staff_role"] or "trekker"
            lines.append(f"  {role:<12} {spec['email']}")
        lines += ["", "For development on this machine only: never expose this server to the internet.", ""]
        self.stdout.write("\n".join(lines))
