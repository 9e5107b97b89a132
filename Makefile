# Two commands matter: `make run` and `make test`. Both set everything up on a
# fresh machine that has Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PYTEST_ARGS ?=
CHROMIUM_HINT := Browser tests skipped: Chromium is not installed. Install it with: sudo apt-get install -y chromium

.PHONY: run test lint format install install-dev bench scale-test clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-site: $(BIN)/python requirements.txt
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/pip install -qq -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-site requirements-dev.txt
	$(BIN)/pip install -qq -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed-site

install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/python manage.py migrate --noinput
	@if $(BIN)/python manage.py help load_demo_content >/dev/null 2>&1; then \
		$(BIN)/python manage.py load_demo_content; \
	fi
	@echo "Serving Myeloma Forum on http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install-dev
	@if command -v chromium >/dev/null 2>&1; then \
		$(BIN)/pytest $(PYTEST_ARGS); \
	else \
		echo "$(CHROMIUM_HINT)"; \
		$(BIN)/pytest -m "not browser" $(PYTEST_ARGS); \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks (README "Benchmarks"): results in bench/results/ (git-ignored).
bench: install-dev
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Scale-out proof (README "Running at scale"): two gunicorn nodes, two workers,
# PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379 and a local S3 server.
scale-test: install-dev
	$(BIN)/python tools/scale_test.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
