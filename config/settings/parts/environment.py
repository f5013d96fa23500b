"""Where the checkout is, and the environment every other part reads its configuration from."""

from __future__ import annotations

import os
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Production reads the process environment only (compose's env_file, a systemd EnvironmentFile): a stray
# .env in the checkout must not configure it.
if os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.prod":
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
