from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.demo.apple_signer import mint


class Command(BaseCommand):
    help = "Print a Sign in with Apple identity token signed by the local development key, and how to use it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--sub", default="000001.devapple0000000000000000000000.0001")
        parser.add_argument("--email", default="dev-trekker@privaterelay.appleid.com")
        parser.add_argument("--first-name", default="Pema")
        parser.add_argument("--last-name", default="Lhamo")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "DEV_APPLE_SIGNER", False):
            raise CommandError("Only under the development settings (make run): DEV_APPLE_SIGNER is off.")
        token, nonce = mint(sub=options["sub"], email=options["email"])
        body = {
            "id_token": token,
            "nonce": nonce,
            "first_name": options["first_name"],
            "last_name": options["last_name"],
        }
        self.stdout.write(
            f"curl -s -X POST {options['base_url']}/api/v1/auth/apple/ -H 'Content-Type: application/json' "
            f"-d '{json.dumps(body)}'\n"
        )
