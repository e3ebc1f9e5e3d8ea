# Two commands do everything on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := cd example_site && ../$(BIN)/python manage.py
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The demo's port (`make demo PORT=8010` when 8000 is taken): the server and the emailed links.
PORT ?= 8000

.PHONY: demo test lint e2e test-postgres test-redis bench bench-engine bench-site bench-load \
	bench-faults messages migrations-check clean venv browser test-floors test-newest dist

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: export WAGTAILADMIN_BASE_URL ?= http://127.0.0.1:$(PORT)
demo: $(STAMP)
	$(MANAGE) migrate --no-input -v0
	$(MANAGE) setup_demo --port $(PORT)
	$(MANAGE) buddy_schedules
	@echo "Serving on http://127.0.0.1:$(PORT) with a django-q2 worker. Ctrl-C stops both."
	cd example_site && ../$(BIN)/python manage.py qcluster & QPID=$$!; \
		trap 'trap - INT TERM EXIT; kill $$QPID 2>/dev/null; wait $$QPID' INT TERM EXIT; \
		cd example_site && ../$(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

test: $(STAMP)
	$(BIN)/python -m pytest -m "not e2e and not postgres and not redis" $(PYTEST_ARGS)

# The declared floors and the newest releases, each in its own venv (uv resolves both).
# Floors: Python 3.11 with every direct dependency at its lowest allowed version (Wagtail 7.4,
# Django 5.2). Newest: Python 3.13 with everything at its newest (Wagtail 8, Django 6).
PY_FLOORS ?= python3.11
PY_NEWEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python \
	$(HOME)/.pyenv/versions/3.12*/bin/python) python3.13)
UNIT := -m "not e2e and not postgres and not redis"

.venv-floors/.installed: pyproject.toml
	test -x .venv-floors/bin/python || $(PY_FLOORS) -m venv .venv-floors
	.venv-floors/bin/python -m pip install --quiet uv
	.venv-floors/bin/uv pip install --quiet --python .venv-floors/bin/python \
		--resolution lowest-direct --reinstall-package wagtail-buddy -e '.[test]'
	touch $@

.venv-newest/.installed: pyproject.toml
	test -x .venv-newest/bin/python || $(PY_NEWEST) -m venv .venv-newest
	.venv-newest/bin/python -m pip install --quiet uv
	.venv-newest/bin/uv pip install --quiet --python .venv-newest/bin/python \
		--resolution highest --upgrade -e '.[test]'
	touch $@

test-floors: .venv-floors/.installed
	.venv-floors/bin/python -c "import django, wagtail; print('floors: Django', \
		django.get_version(), '/ Wagtail', wagtail.__version__)"
	.venv-floors/bin/python -m pytest $(UNIT) $(PYTEST_ARGS)

test-newest: .venv-newest/.installed
	.venv-newest/bin/python -c "import django, wagtail; print('newest: Django', \
		django.get_version(), '/ Wagtail', wagtail.__version__)"
	.venv-newest/bin/python -m pytest $(UNIT) $(PYTEST_ARGS)

# A wheel to install on a site without PyPI: dist/wagtail_buddy-<version>-py3-none-any.whl.
# pip builds it (fetching the build backend, setuptools, in an isolated environment);
# no venv, no extra tool and no runtime dependency needed.
dist:
	rm -rf dist build
	$(PY) -m pip wheel --no-deps --wheel-dir dist .
	rm -rf build
	@ls dist/*.whl

lint: $(STAMP)
	$(BIN)/ruff check .
	$(MANAGE) makemigrations --check --dry-run

migrations-check: $(STAMP)
	$(MANAGE) makemigrations --check --dry-run

# The browser suite: Debian's chromium driven by Playwright (no browser download).
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

e2e: $(STAMP) browser
	$(BIN)/python -m pytest -m e2e tests/e2e $(PYTEST_ARGS)

# The same suite on PostgreSQL (DATABASE_URL points at a server; pytest-django creates test_*).
test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/buddy} \
		$(BIN)/python -m pytest -m "not e2e and not redis" $(PYTEST_ARGS)

test-redis: $(STAMP)
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/buddy} \
		$(BIN)/python -m pytest -m "redis" $(PYTEST_ARGS)

bench: bench-engine bench-site

bench-engine: $(STAMP)
	$(BIN)/python benchmarks/bench_engine.py

bench-site: $(STAMP)
	$(BIN)/python benchmarks/bench_admin.py

bench-load: $(STAMP)
	$(BIN)/python benchmarks/bench_signup_load.py

# Run by hand: starts its own PostgreSQL (as FAULTS_OS_USER when root), Redis and SMTP sink.
bench-faults: $(STAMP)
	$(BIN)/python benchmarks/bench_faults.py --os-user $${FAULTS_OS_USER:-postgres}

# Refresh the catalogues after changing strings; the compiled .mo files are committed.
messages: $(STAMP)
	cd wagtail_buddy && PYTHONPATH=../example_site:.. DJANGO_SETTINGS_MODULE=buddysite.settings.dev \
		../$(BIN)/django-admin makemessages -l en -l fr -l de -l es -l it -l pt --no-obsolete
	cd wagtail_buddy && ../$(BIN)/django-admin compilemessages

clean:
	rm -rf $(VENV) .venv-floors .venv-newest example_site/db.sqlite3* example_site/static build *.egg-info
