"""The production environment as documented: the uncommented lines of ``.env.production.example``.

That file is the one list of what production requires; README.md ("Production") shows the same names in a
table, and the tests check the two agree and start ``config.settings.prod`` with exactly this list.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / ".env.production.example"
README = ROOT / "README.md"

_ASSIGNMENT = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
_COMMENTED = re.compile(r"^#\s*([A-Z][A-Z0-9_]*)=")


def _unquote(value: str) -> str:
    # As both `set -a && . ./.env.production` and compose's env_file read it: one pair of quotes is removed.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def example_variables() -> dict[str, str]:
    """The required variables (uncommented ``NAME=value`` lines) with their sample values, in file order."""
    found: dict[str, str] = {}
    for line in EXAMPLE.read_text().splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match:
            found[match.group(1)] = _unquote(match.group(2).strip())
    return found


def example_optional_names() -> set[str]:
    """The optional variables the example documents (commented ``# NAME=`` lines)."""
    return {m.group(1) for line in EXAMPLE.read_text().splitlines() if (m := _COMMENTED.match(line.strip()))}


def readme_required_names() -> list[str]:
    """The names in the first column of the table in README.md's "Production" section."""
    text = README.read_text()
    section = text[text.index("\n## Production\n") :]
    section = section[: section.index("\n## ", 1)]
    names: list[str] = []
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.extend(re.findall(r"`([A-Z][A-Z0-9_]*)`", first_cell))
    return names


def sample_value(name: str) -> str:
    """A value for a variable the example leaves blank (a secret the operator must fill in)."""
    if name == "SECRET_KEY":
        return secrets.token_urlsafe(50)
    if name == "OBS_COMPANY_GSTIN":
        return "05AAACO4321K1ZP"  # checksum-valid, registered in state 05
    if name == "OBS_COMPANY_STATE":
        return "05"
    return f"sample-{name.lower().replace('_', '-')}-{secrets.token_hex(4)}"


def production_env(**overrides: str) -> dict[str, str]:
    """Exactly the required variables: the example's values, blanks filled in, then ``overrides``."""
    env = {name: value or sample_value(name) for name, value in example_variables().items()}
    unknown = set(overrides) - set(env)
    assert not unknown, f"not production variables: {sorted(unknown)}"
    return {**env, **overrides}


def clean_env(variables: dict[str, str]) -> dict[str, str]:
    """An environment holding ``variables`` and nothing else but PATH (what ``env -i PATH=...`` gives)."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **variables}


def write_env_file(target: Path, variables: dict[str, str]) -> None:
    """``.env.production.example`` as an operator fills it in: its lines, with ``variables``' values."""
    lines = []
    for line in EXAMPLE.read_text().splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if match and variables[match.group(1)] != _unquote(match.group(2).strip()):
            line = f"{match.group(1)}={shlex.quote(variables[match.group(1)])}"
        lines.append(line)
    target.write_text("\n".join(lines) + "\n")
