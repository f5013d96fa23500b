"""Exit 0 when pip-audit's vulnerability database (the PyPI JSON API) answers, else explain and exit 2.

Without it pip-audit reports every package as "not found on PyPI", which reads like a packaging error.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from importlib.metadata import version

# pip-audit asks for each pinned release (/pypi/<name>/<version>/json): probe exactly that kind of URL.
PROBE = f"https://pypi.org/pypi/django/{version('django')}/json"


def main() -> int:
    try:
        with urllib.request.urlopen(PROBE, timeout=20) as response:
            if response.status == 200 and b'"vulnerabilities"' in response.read():
                return 0
            reason = f"HTTP {response.status} without vulnerability data"
    except urllib.error.HTTPError as exc:
        reason = f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = str(getattr(exc, "reason", exc))
    sys.stderr.write(
        f"make audit: the vulnerability database ({PROBE}) is unreachable from this machine ({reason}); "
        "nothing was audited. Run `make audit` where PyPI's JSON API is reachable.\n"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
