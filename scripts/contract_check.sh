#!/usr/bin/env bash
# The API contract, checked: the OpenAPI document is generated and validated (--fail-on-warn), linted by Redocly
# with its recommended rules (contract/redocly.yaml), turned into TypeScript types by openapi-typescript with no
# warning, and a client written against those types (contract/journey.ts) type-checks with `tsc --strict`.
# Node.js comes from Debian's packages when missing; the npm packages are the ones contract/package-lock.json pins.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=var/contract
mkdir -p "$OUT"

node_major() { node -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  echo "Node.js 20 or newer not found; installing Debian's nodejs and npm" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >&2 && $SUDO apt-get install -y -qq nodejs npm >&2
fi
if [ ! -f contract/node_modules/.package-lock.json ] || [ contract/package-lock.json -nt contract/node_modules/.package-lock.json ]; then
  npm ci --prefix contract --no-audit --no-fund --loglevel=error >&2
fi
BIN=contract/node_modules/.bin

DJANGO_SETTINGS_MODULE=config.settings.dev DATABASE_URL=sqlite://:memory: \
  .venv/bin/python manage.py spectacular --validate --fail-on-warn --file "$OUT/openapi.yaml" 2>&1 \
  | { grep -v " INFO " || true; }
test -s "$OUT/openapi.yaml"
NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$BIN/redocly" lint "$OUT/openapi.yaml" --config contract/redocly.yaml --format=summary 2>&1 \
  | { grep -v "[║═╔╗╚╝]" || true; }
test "${PIPESTATUS[0]}" -eq 0
"$BIN/openapi-typescript" "$OUT/openapi.yaml" --output "$OUT/api.d.ts" > "$OUT/openapi-typescript.log" 2>&1 \
  || { cat "$OUT/openapi-typescript.log"; exit 1; }
if grep -qiE "warn|⚠" "$OUT/openapi-typescript.log"; then cat "$OUT/openapi-typescript.log"; echo "openapi-typescript warned"; exit 1; fi
"$BIN/tsc" -p contract/tsconfig.json
echo "contract: schema valid, Redocly lint clean, TypeScript client type-checks ($(grep -c 'operationId' "$OUT/openapi.yaml") operations)"
