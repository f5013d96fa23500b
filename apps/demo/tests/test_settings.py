"""The demo app is for development only: the dev and test settings install it, production does not."""

from __future__ import annotations

import json
import subprocess
import sys

from django.apps import apps
from django.core.management import get_commands

from apps.common.tests.production_env import ROOT, clean_env, production_env

PROBE = (
    "import json, django; django.setup(); "
    "from django.apps import apps; from django.conf import settings; "
    "from django.core.management import get_commands; "
    "print(json.dumps([settings.SETTINGS_MODULE, apps.is_installed('apps.demo'), "
    "sorted({'seed_demo', 'print_urls'} & set(get_commands()))]))"
)


def _probe(settings_module: str, variables: dict[str, str]) -> list[object]:
    env = clean_env({**variables, "DJANGO_SETTINGS_MODULE": settings_module})
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_do_not_install_the_demo_app() -> None:
    """Exactly the documented production variables, from an empty environment."""
    assert _probe("config.settings.prod", production_env()) == ["config.settings.prod", False, []]


def test_development_settings_install_the_demo_app() -> None:
    """As `make run` starts: no configuration at all."""
    assert _probe("config.settings.dev", {}) == ["config.settings.dev", True, ["print_urls", "seed_demo"]]


def test_test_settings_install_the_demo_app() -> None:
    assert apps.is_installed("apps.demo")
    assert {"seed_demo", "print_urls"} <= set(get_commands())
