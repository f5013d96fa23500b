# OBS Experiences backend. `make run` serves the API, `make test` runs the checks and the test suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= auto
UV := $(shell ./scripts/ensure_uv.sh)
PY := .venv/bin/python
export UV_PYTHON ?= 3.11

.PHONY: help install run test lint fmt migrate shell worker beat bench audit permissions-doc backup restore messages

help:
	@echo "make run      serve the API on $(HOST):$(PORT) for development (SQLite + in-process tasks unless DATABASE_URL/REDIS_URL are set)"
	@echo "make test     the checks of make lint, then the test suite against PostgreSQL and Redis, with coverage"
	@echo "make lint     ruff check, ruff format --check, mypy, makemigrations --check, the API contract (stops at the first failure)"
	@echo "make fmt      ruff format and safe fixes"
	@echo "make bench    catalog throughput vs. a floor endpoint, SOS intake latency (gunicorn + wrk on loopback, own database)"
	@echo "make permissions-doc  regenerate docs/permissions.md from the authorization matrix (tests/proof/matrix.py)"
	@echo "make backup   pg_dump + media listing + manifest into BACKUP_DIR (var/backups)/obs-<UTC time>/"
	@echo "make restore BACKUP=<dir> [RESTORE_ARGS='--database-url postgres://... --create']  restore and verify it"
	@echo "make messages  extract the translatable strings into locale/*/LC_MESSAGES/django.po (needs GNU gettext's xgettext)"
	@echo "make migrate | shell | worker | beat | audit"

# The message catalogues (API error messages in Hindi, docs/i18n.md): the .po files are committed, the .mo files
# are compiled from them here with Babel (a Python package of the project), so no system gettext is needed.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

install: .venv/.synced $(MO_FILES)

.venv/.synced: pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po .venv/.synced
	.venv/bin/pybabel compile --statistics -l $* -i $< -o $@

# Re-extract the strings marked for translation (gettext_noop / gettext) into the .po files; new ones come in
# untranslated. Extraction is Django's makemessages, which runs GNU gettext's xgettext (Debian: apt install gettext).
messages: install
	@command -v xgettext >/dev/null || { echo "make messages needs xgettext: apt-get install gettext (Debian/Ubuntu)"; exit 1; }
	$(PY) manage.py makemessages --all --ignore=.venv --ignore=var --ignore=node_modules --ignore='*/tests/*' --add-location=file

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py print_urls --host $(HOST) --port $(PORT)
	$(PY) manage.py runserver $(HOST):$(PORT)

test: lint
	$(PY) -m pytest -n $(PYTEST_WORKERS) --cov --cov-report=term --cov-report=xml:var/coverage.xml $(PYTEST_ARGS)
	.venv/bin/coverage report --include='apps/common/*,apps/users/*' --fail-under=90 --skip-covered > var/coverage-core.txt \
		|| { cat var/coverage-core.txt; echo "apps/common + apps/users coverage is under 90%"; exit 1; }
	@grep TOTAL var/coverage-core.txt | awk '{print "apps/common + apps/users coverage: " $$NF}'

# The static checks, in order: `make lint` runs them, `make test` runs them before the suite. Each one says its
# name, and a failure stops the run with what to do. $(call step,name,command,what to do)
step = @echo "== $(1)"; $(2) || { echo "make: $(1) failed. $(3)"; exit 1; }
# makemigrations --check reads the models only: an in-memory SQLite stands in for the database, so it needs no
# server (PostgreSQL may not be up yet on a fresh machine) and writes no file.
MIGRATIONS_CHECK := DJANGO_SETTINGS_MODULE=config.settings.dev DATABASE_URL=sqlite://:memory: \
	$(PY) manage.py makemigrations --check --dry-run

lint: install
	$(call step,ruff check,.venv/bin/ruff check .,Fix the findings (make fmt applies the safe ones); a real exception gets noqa: CODE and its reason.)
	$(call step,import contracts,.venv/bin/lint-imports,An import breaks the layer order or an app's inner order: see docs/architecture.md.)
	$(call step,ruff format,.venv/bin/ruff format --check .,Run make fmt.)
	$(call step,mypy,.venv/bin/mypy apps config,Fix the type errors above.)
	$(call step,migrations,$(MIGRATIONS_CHECK),A model change has no migration: manage.py makemigrations <app> --name <what>.)
	$(call step,api contract,./scripts/contract_check.sh,The OpenAPI document is invalid or Redocly or tsc found a problem above: see docs/api.md (documenting an operation).)

fmt: install
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

migrate: install
	$(PY) manage.py migrate

shell: install
	$(PY) manage.py shell

worker: install
	.venv/bin/celery -A config worker --loglevel=info

beat: install
	.venv/bin/celery -A config beat --loglevel=info --schedule=var/celerybeat-schedule

backup: install
	$(PY) manage.py backup $(BACKUP_ARGS)

restore: install
	@test -n "$(BACKUP)" || { echo "usage: make restore BACKUP=var/backups/obs-<UTC time> [RESTORE_ARGS=...]"; exit 2; }
	$(PY) manage.py restore "$(BACKUP)" $(RESTORE_ARGS)

permissions-doc: install
	$(PY) -m tests.proof.permissions_doc

bench: install
	$(PY) -m scripts.bench $(BENCH_ARGS)

# pip-audit over every pinned package of uv.lock (the export lists them all, so --no-deps); exceptions only
# from docs/audit-exceptions.txt ("ID reason" per line). It needs the vulnerability database online: it
# gives up after AUDIT_TIMEOUT seconds with a clear message instead of hanging.
AUDIT_TIMEOUT ?= 300
audit: install
	@$(PY) scripts/audit_reachable.py
	$(UV) export --frozen --no-hashes --no-emit-project --format requirements-txt > var/requirements-audit.txt
	@timeout $(AUDIT_TIMEOUT) $(UV) tool run pip-audit --strict --no-deps --disable-pip --timeout 20 --progress-spinner off \
		-r var/requirements-audit.txt $(shell sed -n 's/^\([A-Za-z0-9-]*\) .*/--ignore-vuln \1/p' docs/audit-exceptions.txt 2>/dev/null); \
	status=$$?; \
	if [ $$status -eq 124 ]; then echo "make audit: no answer from the vulnerability database within $(AUDIT_TIMEOUT)s (network?)"; fi; \
	exit $$status
