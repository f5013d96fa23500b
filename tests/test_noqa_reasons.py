"""Every ``# noqa`` of the project names its codes and says why: ``# noqa: BLE001  the reason``.

A suppressed rule is an exception to the house rules; the next reader needs the reason on the same line.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECKED = ("apps", "config", "scripts", "tests", "conftest.py")
_NOQA = re.compile(r"#\s*noqa\b(?P<rest>.*)", re.IGNORECASE)
_CODES = re.compile(r":\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*")
_WORD = re.compile(r"[^\W\d_]{2,}")


def noqa_without_reason(source: str) -> list[int]:
    """Line numbers of the ``# noqa`` comments in ``source`` that lack codes or a reason after them."""
    missing = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        match = _NOQA.search(token.string)
        if match is None:
            continue
        codes = _CODES.match(match["rest"])
        reason = match["rest"][codes.end() :] if codes else ""
        if not _WORD.search(reason):
            missing.append(token.start[0])
    return missing


def test_the_check_tells_a_reason_from_none() -> None:
    source = (
        "import os  # noqa: F401\n"
        "import re  # noqa\n"
        "import sys  # noqa: F401, E402\n"
        "import io  # noqa: F401  re-exported for the settings\n"
        "import json  # noqa: F401 - kept for the plugins\n"
        'TEXT = "# noqa: F401"\n'
        "x = 1  # type: ignore[misc]  # noqa: E501\n"
        "y = 2  # pragma: no cover  # noqa: BLE001  the worker thread reports it\n"
        "# a comment that mentions noqa in passing is not one\n"
    )
    assert noqa_without_reason(source) == [1, 2, 3, 7]


@pytest.mark.parametrize("top", CHECKED)
def test_every_noqa_says_why(top: str) -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in sorted((ROOT / top).rglob("*.py") if (ROOT / top).is_dir() else [ROOT / top])
        for line in noqa_without_reason(path.read_text(encoding="utf-8"))
    ]
    assert not missing, "a # noqa without a reason after its codes (write `# noqa: CODE  why`):\n" + "\n".join(missing)
