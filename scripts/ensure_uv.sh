#!/usr/bin/env bash
# Print the path of a usable `uv`, installing it from PyPI when it is missing.
set -euo pipefail
if command -v uv >/dev/null 2>&1; then command -v uv; exit 0; fi
for candidate in "$HOME/.local/bin/uv" "$HOME/.cargo/bin/uv" "var/uv-bootstrap/bin/uv"; do
  if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
echo "uv not found; installing it from PyPI into var/uv-bootstrap" >&2
python3 -m venv var/uv-bootstrap >&2
var/uv-bootstrap/bin/python -m pip install --quiet --disable-pip-version-check uv >&2
echo "var/uv-bootstrap/bin/uv"
