"""The import contracts of pyproject.toml (run by `make test` as `lint-imports`) catch an edge against the order,
also when it hides inside a function."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint(project: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(project)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=project, env=env, capture_output=True, text=True, check=False
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the apps and the contracts, free to be broken."""
    shutil.copytree(ROOT / "apps", tmp_path / "apps", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("apps/common/probe.py", "from apps.users.roles import has_capability\n", "apps.common is not allowed"),
        (
            "apps/users/probe.py",
            "def guide_profile():\n    from apps.treks.models import Guide\n\n    return Guide\n",
            "apps.users is not allowed to import apps.treks",
        ),
        ("apps/notifications/probe.py", "import apps.bookings.selectors\n", "apps.notifications is not allowed"),
        ("apps/community/probe.py", "from apps.emergency import models\n", "apps.community is not allowed"),
    ],
)
def test_an_edge_against_the_order_breaks_the_contracts(project: Path, module: str, source: str, broken: str) -> None:
    kept = _lint(project)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    (project / module).write_text(source)
    result = _lint(project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout
