# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

CATALOGS := $(wildcard booking/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

# Installs take the versions the tests last passed on (see constraints.txt).
PIP_INSTALL := $(BIN)/pip install --quiet -c constraints.txt

.PHONY: run test lint bench production translations constraints clean

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

# Style and types; CI runs it before `make test`.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(VENV)/.installed-dev $(COMPILED)
	$(BIN)/python bench/slot_engine.py
	$(BIN)/python bench/feed_render.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/booking_post.py
	$(BIN)/python bench/over_http.py

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

# A production install in this checkout (see README, Production): the package with
# the production extra, editable because templates, static files and migrations live
# beside it, not inside it; and the compiled message catalogues.
production: $(VENV)/.installed-production $(COMPILED)
	@echo "Installed into $(VENV). Next: configure, then $(BIN)/booking db upgrade."

$(VENV)/.installed-production: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -e '.[production]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(VENV)/bin/python
	$(PIP_INSTALL) -e '.[dev]'
	touch $@ $(VENV)/.installed

# After changing dependencies, or to move to newer releases: resolve the dev
# install afresh in a scratch venv and pin what it got; then `make lint test`.
constraints:
	rm -rf .venv-constraints
	$(PYTHON) -m venv .venv-constraints
	.venv-constraints/bin/python -m pip install --quiet --upgrade pip
	.venv-constraints/bin/pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' constraints.txt; .venv-constraints/bin/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-constraints

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
