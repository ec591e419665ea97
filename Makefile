# Quick start: `make run` serves the demo, `make test` runs the whole suite (SQLite, PostgreSQL, browser).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve test test-sqlite test-postgres lint check install messages system-packages demo bench bench-load bench-http clean

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
	DJANGO_DEBUG=1 $(PY) manage.py rebuild_summaries --if-stale

run: demo
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

# The site under gunicorn with production settings (DEBUG off) on 127.0.0.1:8000. Production refuses to start
# without DJANGO_SECRET_KEY and DJANGO_FIELD_KEY; when one is not set, it is generated once into .secret_key or
# .field_key (git-ignored, mode 600). Keep .field_key: without it the encrypted personal numbers cannot be read.
SECRET_KEY_FILE := .secret_key
FIELD_KEY_FILE := .field_key
serve: install messages
	@if [ -z "$$DJANGO_SECRET_KEY" ] && [ ! -s $(SECRET_KEY_FILE) ]; then \
	  (umask 077 && $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' > $(SECRET_KEY_FILE)) && \
	  echo "generated a secret key into $(SECRET_KEY_FILE)"; fi
	@if [ -z "$$DJANGO_FIELD_KEY" ] && [ ! -s $(FIELD_KEY_FILE) ]; then \
	  (umask 077 && $(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' \
	    > $(FIELD_KEY_FILE)) && echo "generated a field key into $(FIELD_KEY_FILE)"; fi
	export DJANGO_DEBUG=0 DJANGO_SECRET_KEY="$${DJANGO_SECRET_KEY:-$$(cat $(SECRET_KEY_FILE))}" \
	  DJANGO_FIELD_KEY="$${DJANGO_FIELD_KEY:-$$(cat $(FIELD_KEY_FILE))}" && \
	  $(PY) manage.py migrate --noinput && \
	  $(PY) manage.py rebuild_summaries --if-stale && \
	  $(PY) manage.py compact_data_changes && \
	  $(PY) manage.py collectstatic --noinput -v 0 && \
	  exec $(VENV)/bin/gunicorn unity.wsgi:application --config deploy/gunicorn.conf.py

# ruff, and import-linter's contracts (pyproject.toml): an import against the layers fails the build.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

check: install messages
	DJANGO_DEBUG=1 $(PY) manage.py check
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

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

# 50 clients for 60 s against a gunicorn the script starts itself (SQLite, or the database DATABASE_URL names).
bench-load: install messages
	$(PY) benchmarks/load.py

# The city top dashboard under 20 readers and one writer a second, gunicorn with 2 workers (benchmarks/bench.sqlite3,
# or the database DATABASE_URL names; on PostgreSQL: PG_TEST_PORT=... bash scripts/with_postgres.sh make bench-http).
bench-http: install messages
	$(PY) benchmarks/http_dashboard.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles artifacts
