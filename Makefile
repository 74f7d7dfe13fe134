# Soho Solo — the two commands of the README (`make run`, `make test`) and the checks CI runs.
# Everything runs inside .venv, made with the newest Python >= 3.12 found by bin/find-python.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MO := locale/fr/LC_MESSAGES/django.mo
# The suite runs on two processes (pytest-xdist): `make test TEST_WORKERS=0` runs it in one.
TEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: communes communes-check help run test test-postgres test-browser test-demo-days lint format check-migrations check-translations messages bootstrap clean-venv

help:
	@echo "make run                 start the platform with demo data on http://127.0.0.1:8000 (Ctrl-C stops it)"
	@echo "make test                run the whole test suite on the embedded SQLite database"
	@echo "make test-postgres       the same suite on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test)"
	@echo "make test-browser        the browser journeys only (needs /usr/bin/chromium)"
	@echo "make test-demo-days      the demo drawn on days spread over six years, each checked against the rules"
	@echo "make lint                ruff check and ruff format --check"
	@echo "make messages            update the French catalogue after changing strings"
	@echo "make check-translations  fail when a French string is missing or fuzzy"
	@echo "make communes            rebuild the official communes file from the registries (needs npm)"
	@echo "make communes-check      fail if a fresh build differs from the shipped communes file"

$(STAMP): requirements.txt requirements-dev.txt
	@python=$$(bin/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Creating $(VENV) with $$python"; $$python -m venv $(VENV) || exit 1; fi
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

$(MO): locale/fr/LC_MESSAGES/django.po $(STAMP)
	$(VENV)/bin/pybabel compile --statistics -d locale -D django -l fr

bootstrap: $(STAMP) $(MO)
	@mkdir -p var/static

run: bootstrap
	DEBUG=$${DEBUG:-true} DEMO_MODE=$${DEMO_MODE:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} DEMO_MODE=$${DEMO_MODE:-true} $(PY) manage.py load_communes
	DEBUG=$${DEBUG:-true} DEMO_MODE=$${DEMO_MODE:-true} $(PY) manage.py demo --if-empty
	DEBUG=$${DEBUG:-true} DEMO_MODE=$${DEMO_MODE:-true} $(PY) manage.py devserver

test: bootstrap
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-postgres: bootstrap
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

test-browser: bootstrap
	BROWSER_TESTS_REQUIRED=1 $(PY) -m pytest -m browser $(PYTEST_ARGS)

test-demo-days: bootstrap
	DEMO_SWEEP=1 $(PY) -m pytest tests/test_demo_days.py -n 2 $(PYTEST_ARGS)

lint: bootstrap
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: bootstrap
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: bootstrap
	$(PY) manage.py makemigrations --check --dry-run

messages: bootstrap
	$(PY) manage.py makemessages -l fr --no-obsolete --add-location=file --ignore=.venv --ignore=var
	$(VENV)/bin/pybabel compile -d locale -D django -l fr

check-translations: bootstrap
	$(PY) manage.py makemessages -l fr --no-obsolete --add-location=file --ignore=.venv --ignore=var
	$(PY) bin/check-translations locale/fr/LC_MESSAGES/django.po

clean-venv:
	rm -rf $(VENV)

communes: bootstrap
	$(PY) scripts/build_communes.py

communes-check: bootstrap
	$(PY) scripts/build_communes.py --check
