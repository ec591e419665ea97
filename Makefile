# Quick start: `make run` serves the demo, `make test` runs the whole suite (SQLite, PostgreSQL, browser).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres lint check install messages system-packages demo bench clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# English messages: compiled from the .po with polib at install time (the .mo is not kept in git).
MO := locale/en/LC_MESSAGES/django.mo
$(MO): locale/en/LC_MESSAGES/django.po $(STAMP)
	$(PY) scripts/compile_messages.py

messages: $(MO)

system-packages:
	bash scripts/ensure_system_packages.sh

demo: install messages
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=1 $(PY) manage.py load_demo

run: demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# ruff, and import-linter's contracts (pyproject.toml): an import against the layers fails the build.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install messages
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

# Two workers: the machines have two cores. Each worker gets its own test database.
PYTEST := $(VENV)/bin/pytest -n 2 --dist loadfile

test-sqlite: install messages system-packages
	$(PYTEST)

# The browser tests ran against SQLite already; here the rest of the suite meets a real PostgreSQL server.
test-postgres: install messages system-packages
	bash scripts/with_postgres.sh $(PYTEST) -m "not e2e"

test: lint check test-sqlite test-postgres

bench: install
	$(PY) benchmarks/import_census.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles artifacts
