# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

CATALOGS := $(wildcard booking/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: run test lint bench translations clean

# Links in mails and feeds follow the address the server listens on (PORT=5055 make run).
run: export BASE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed $(COMPILED)
	$(BIN)/booking db upgrade
	$(BIN)/booking seed-demo --if-empty
	@echo
	@$(BIN)/booking about
	@echo
	$(BIN)/booking run --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-dev $(COMPILED) node_modules/.installed
	$(BIN)/pytest $(PYTEST_ARGS)

# axe-core, injected into pages by the browser tests to check accessibility.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed-dev $(COMPILED)
	$(BIN)/python bench/slot_engine.py
	$(BIN)/python bench/feed_render.py
	$(BIN)/python bench/report.py

# Message catalogues are compiled here, never committed as binaries.
%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

# After changing user-facing text: extract it and merge it into the catalogues.
translations: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location -o booking/translations/messages.pot .
	$(BIN)/pybabel update -i booking/translations/messages.pot -d booking/translations --ignore-obsolete

$(VENV)/bin/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/bin/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
