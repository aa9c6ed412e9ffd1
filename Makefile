# Conference service desk: the few commands a developer, the README and CI use.
# Needs only python3 and GNU make; everything else goes into .venv/.
#
#   make run    install, migrate, load the demo data, run the web server + Celery (Ctrl-C stops)
#   make test   install the dev tools and run the test suite (PYTEST_ARGS="-k name" to narrow it)
#   make lint   ruff check + ruff format --check
#   make bench  install the benchmark tools and run every benchmark in bench/ (PostgreSQL + Redis)
#   make clean  remove var/ (database, broker files, beat schedule); .venv/ is kept
#   make messages  refresh and compile the Simplified Chinese catalogue in locale/

PYTHON ?= python3
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
PIP := $(VENV_PYTHON) -m pip --disable-pip-version-check --no-input
PYTEST_ARGS ?=
BENCH_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help run test lint bench clean messages $(VENV)

help:
	@echo "make run    start the whole system on http://127.0.0.1:$${PORT:-8000}/ (PORT=... to change)"
	@echo "make test   run the test suite (PYTEST_ARGS=... passes options to pytest)"
	@echo "make lint   ruff check and ruff format --check"
	@echo "make bench  run every benchmark (needs PostgreSQL and Redis; BENCH_ARGS=\"--only load\")"
	@echo "make clean  remove var/ (local database and broker files); .venv/ is kept"
	@echo "make messages  refresh locale/zh_Hans from the source and compile it (translate new entries)"

# The interpreter itself. If venv creation fails half-way (Debian without python3-venv leaves a
# python but no pip), remove the remains so that the next run starts clean instead of failing later.
$(VENV_PYTHON):
	$(PYTHON) -m venv $(VENV) || { \
	    rm -rf $(VENV); \
	    echo "error: '$(PYTHON) -m venv' failed (on Debian/Ubuntu: apt-get install python3-venv)" >&2; \
	    exit 1; }

# Stamp files record that the requirements were installed; they are redone when a file changes.
# The interpreter is an order-only prerequisite: its timestamp says nothing about the packages.
$(VENV)/.installed: requirements.txt | $(VENV_PYTHON)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(VENV)/.installed | $(VENV_PYTHON)
	$(PIP) install -r requirements-dev.txt
	touch $@

$(VENV)/.bench-installed: requirements-bench.txt requirements.txt $(VENV)/.installed | $(VENV_PYTHON)
	$(PIP) install -r requirements-bench.txt
	touch $@

# `make .venv`: the runtime environment, up to date.
$(VENV): $(VENV)/.installed

# exec: the shell is replaced by the launcher, so the process make waits for (and to which make
# passes on a SIGTERM) is the launcher itself, which then stops the whole service group.
run: $(VENV)/.installed
	exec $(VENV_PYTHON) scripts/run.py

test: $(VENV)/.dev-installed
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

# Not part of `make test`: the benchmarks take their time and need PostgreSQL and Redis. Each
# prints a result block; bench/run_all.py collects them into var/bench-results.md.
bench: $(VENV)/.bench-installed
	$(VENV_PYTHON) bench/run_all.py $(BENCH_ARGS)

clean:
	rm -rf var

# Refresh the Chinese catalogue from the source, then compile it. New entries come in untranslated:
# fill them in locale/zh_Hans/LC_MESSAGES/django.po and run this again.
messages: $(VENV)/.dev-installed
	$(VENV_PYTHON) manage.py makemessages -l zh_Hans --no-obsolete --ignore='static/vendor/*' --ignore='tests/*' --ignore='bench/*' --ignore='.venv/*'
	$(VENV_PYTHON) manage.py compilemessages -l zh_Hans --ignore='.venv/*'
