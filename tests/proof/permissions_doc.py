"""Render ``docs/permissions.md`` from the authorization matrix (``tests/proof/matrix.py``).

python -m tests.proof.permissions_doc          # write docs/permissions.md
python -m tests.proof.permissions_doc --check  # exit 1 when the committed file is out of date
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"


def _readable(pattern: str) -> str:
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", pattern)
    pattern = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", pattern)
    return "/" + pattern.replace("^", "").replace("$", "")


def render() -> str:
    from .actors import ACTOR_TITLES, ACTORS
    from .matrix import EXCLUDED_PREFIXES, ROWS
    from .routes import all_routes

    patterns = {(r.name, r.method): r.pattern for r in all_routes(EXCLUDED_PREFIXES)}
    lines = [
        "# Permission matrix",
        "",
        "Generated from `tests/proof/matrix.py` by `make permissions-doc` (`python -m tests.proof.permissions_doc`);",
        "do not edit by hand. `tests/proof/test_authz_matrix.py` asserts every cell against the running code,",
        "and fails for any route of the URL resolver (outside `/admin/`) without a row here.",
        "",
        "Actors: anonymous; the owner trekker (whose notifications, devices, conversations and bookings the",
        "routes point at); another trekker; each staff role; the guide of the batch concerned; another guide;",
        "the guide of another batch (the batch was handed over from them); a former guide (the batch's guide",
        "when their token was issued, guide role removed since); a deactivated guide (the batch's guide when",
        "their token was issued, guide profile deactivated since). Guide authority is read on every request",
        "from the current role and the guide profile (`apps/treks/selectors.py`); the token carries none of it.",
        "Statuses are those of a well-formed request: 401 not signed in, 403 role lacks the capability,",
        "404 someone else's object (its existence is not revealed). Capabilities per role: `apps/users/roles.py`.",
        "",
        "| method | path | rule | " + " | ".join(ACTOR_TITLES[a] for a in ACTORS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in ACTORS) + " |",
    ]
    for row in sorted(ROWS, key=lambda r: (_readable(patterns.get(r.key, r.route)), r.method)):
        path = _readable(patterns.get(row.key, row.route))
        cells = " | ".join(str(row.expect[a]) for a in ACTORS)
        lines.append(f"| {row.method} | `{path}` | {row.rule} | {cells} |")
    lines.append("")
    return "\n".join(lines + _admin_table())


def _admin_table() -> list[str]:
    from .admin_matrix import ADMIN_ACTORS, ADMIN_ROWS

    lines = [
        "## The admin",
        "",
        "Generated from `tests/proof/admin_matrix.py`; `tests/proof/test_admin_matrix.py` asserts every cell with an",
        "admin session, and for each write that it is done by the holders of its capability only. 302 for",
        "anonymous, trekkers and guides is the admin's login page (only the staff roles of `ADMIN_ROLES` enter the",
        "admin); 302 for staff after a POST is the page the action returns to. A role removed or changed takes",
        "effect on the next request of the same session.",
        "",
        "| method | page or action | rule | " + " | ".join(a.replace("owner", "trekker") for a in ADMIN_ACTORS) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in ADMIN_ACTORS) + " |",
    ]
    for row in ADMIN_ROWS:
        cells = " | ".join(str(row.expect[a]) for a in ADMIN_ACTORS)
        lines.append(f"| {row.method} | {row.name} | {row.rule} | {cells} |")
    lines.append("")
    return lines


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()
    text = render()
    if "--check" in argv:
        if not DOC.exists() or DOC.read_text() != text:
            sys.stderr.write(f"{DOC} is out of date: run `make permissions-doc`\n")
            return 1
        return 0
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
