# Python on the IQ Cluster: one English source, a French edition from gettext catalogs,
# and a test suite that runs every example. `make help` lists the targets.

PYTHON       ?= python3
VENV         := .venv
VENV_PYTHON  := $(VENV)/bin/python
SPHINXBUILD  := $(VENV_PYTHON) -m sphinx
SPHINXOPTS   ?= -W -n --keep-going -q
# The languages come from platform.toml, read once the venv has its reader, and once only.
LANGUAGES     = $(eval LANGUAGES := $(shell $(VENV)/bin/hpc-platform languages))$(LANGUAGES)
TRANSLATIONS  = $(eval TRANSLATIONS := $(shell $(VENV)/bin/hpc-platform translations))$(TRANSLATIONS)
PACKAGES     := $(wildcard packages/*/pyproject.toml)
BUILD        := build
PYTEST_ARGS  ?=

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets, one line each
	@if [ -t 1 ]; then on='\033[36m'; off='\033[0m'; else on=; off=; fi; \
	grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "}; {printf "  %s%-16s%s %s\n", on, $$1, off, $$2}'

$(VENV)/.installed: requirements.txt $(PACKAGES)
	@# Debian's python3 creates venvs only with python3-venv installed: add it when that is what fails.
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && \
	  echo python3-venv | scripts/install-debian-packages /dev/stdin && $(PYTHON) -m venv $(VENV); }
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -r requirements.txt
	@# The product's engines, editable: their dependencies are the pins above.
	$(VENV_PYTHON) -m pip install --quiet --no-deps --no-build-isolation $(foreach p,$(PACKAGES),-e $(dir $(p)))
	touch $@

.PHONY: venv
venv: $(VENV)/.installed ## Create .venv with the pinned tools (requirements.txt)

.PHONY: system-packages
system-packages: ## Install the Debian packages the tests need (as root, only those missing)
	@scripts/install-debian-packages scripts/debian-packages.txt

.PHONY: html
html: venv ## Build the site in every language into build/html/<lang>/ (side by side), warnings are errors
	@$(MAKE) --no-print-directory --output-sync -j $(words $(LANGUAGES)) $(addprefix html-,$(LANGUAGES))
	cp source/_root/index.html $(BUILD)/html/index.html
	@echo "Site ready: $(BUILD)/html/index.html"

# GNU msgfmt compiles a catalog in milliseconds, where Sphinx's own compiler (Babel's, pure Python)
# takes a tenth of the French build; Sphinx then finds the .mo newer than its .po and keeps it.
# Without msgfmt (the gettext package), Sphinx compiles them itself.
MSGFMT  := $(shell command -v msgfmt)
MO_FILES = $(if $(MSGFMT),$(patsubst %.po,%.mo,$(wildcard locale/$*/LC_MESSAGES/*.po locale/$*/LC_MESSAGES/*/*.po)))

.SECONDEXPANSION:
html-%: venv $$(MO_FILES)
	@echo "Building $*"
	$(SPHINXBUILD) -b html -c . -d $(BUILD)/doctrees/$* -D language=$* $(SPHINXOPTS) source $(BUILD)/html/$*

.PRECIOUS: locale/%.mo
locale/%.mo: locale/%.po
	@$(MSGFMT) --output-file=$@ $<

.PHONY: gettext
gettext: venv ## Extract the English messages into build/gettext/*.pot
	rm -rf $(BUILD)/gettext
	$(SPHINXBUILD) -b gettext -c . -d $(BUILD)/doctrees/gettext $(SPHINXOPTS) source $(BUILD)/gettext

.PHONY: update-po
update-po: venv ## Merge build/gettext into locale/<lang>/*.po (run make gettext first)
	$(VENV_PYTHON) scripts/update-po $(BUILD)/gettext $(TRANSLATIONS)

.PHONY: stats
stats: venv ## Per page and language: translated, fuzzy and untranslated messages
	@$(VENV_PYTHON) scripts/po-stats $(TRANSLATIONS)

.PHONY: lint
lint: venv ## Ruff on the code (ruff.toml: line length, imports sorted, unused names): seconds, the first step of the tests
	$(VENV)/bin/ruff check

.PHONY: test
test: lint system-packages html axe ## Run the whole test suite (lint, examples, site, catalogs, cluster)
	$(VENV_PYTHON) -m pytest $(PYTEST_ARGS)
	@# The site once more: each page's footer says when its examples ran (this run's record).
	@$(MAKE) --no-print-directory html

.PHONY: test-browser-gate
test-browser-gate: venv html axe ## What a reader sees, every page, both languages, desktop and phone (errors, keys, width, axe)
	$(VENV_PYTHON) -m pytest tests/browser/test_gate.py tests/browser/test_gate_planted.py --dist load $(PYTEST_ARGS)

# axe-core, the accessibility engine of the browser gate (tests/browser/test_gate.py): the version and
# sha512 of tests/browser/axe-core.lock, fetched once with npm into build/ (make clean keeps it).
AXE_LOCK    := tests/browser/axe-core.lock
AXE_VERSION := $(shell sed -n 's/^version = //p' $(AXE_LOCK))
AXE_SHA512  := $(shell sed -n 's/^sha512 = //p' $(AXE_LOCK))
AXE         := $(BUILD)/axe-core/$(AXE_VERSION)/axe.min.js

.PHONY: axe
axe: $(AXE) ## Fetch the pinned axe-core (the browser gate's accessibility scan) into build/, once

$(AXE): $(AXE_LOCK)
	@command -v npm >/dev/null || { echo "make axe: npm (Node.js's package manager) is missing: install Node.js with npm" >&2; exit 1; }
	@rm -rf $(@D).tmp && mkdir -p $(@D).tmp
	cd $(@D).tmp && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	@echo "$(AXE_SHA512)  $(@D).tmp/axe-core-$(AXE_VERSION).tgz" | sha512sum --check --quiet || { \
	  echo "make axe: axe-core-$(AXE_VERSION).tgz does not match the sha512 of $(AXE_LOCK)" >&2; exit 1; }
	@# -m: the files get the time of extraction, not npm's fixed 1985, so make sees them newer than the lock.
	tar -xzmf $(@D).tmp/axe-core-$(AXE_VERSION).tgz -C $(@D).tmp --strip-components=1 package/axe.min.js package/LICENSE
	rm -f $(@D).tmp/axe-core-$(AXE_VERSION).tgz
	rm -rf $(@D) && mv $(@D).tmp $(@D)

.PHONY: test-page
test-page: venv ## Run one page's examples on the stand-in (up if needed): make test-page PAGE=source/howto/dask.rst
	@test -n "$(PAGE)" || { echo "make test-page: say which page, e.g. PAGE=source/howto/dask.rst" >&2; exit 2; }
	$(VENV_PYTHON) -m pytest $(PAGE) -n0 $(PYTEST_ARGS)

.PHONY: test-unit
test-unit: lint ## Ruff, then the four packages' own tests and this site's platform.toml and Makefile: no stand-in, no root, seconds
	$(VENV_PYTHON) -m pytest tests/unit packages --dist worksteal $(PYTEST_ARGS)

.PHONY: check-po
check-po: venv ## Every catalog check (up to date, markup, typography, spelling, msgfmt, sphinx-lint): no root, seconds
	$(VENV_PYTHON) -m pytest tests/i18n $(PYTEST_ARGS)

.PHONY: benchmark-build
benchmark-build: venv ## Time make html from clean against one bare sphinx-build per language; prints the figures
	$(VENV_PYTHON) scripts/build-benchmark

.PHONY: test-update
test-update: venv system-packages ## Rewrite the pages' expected outputs from a real run (review with git diff)
	$(VENV_PYTHON) -m pytest source --update-transcripts $(PYTEST_ARGS)

.PHONY: benchmark
benchmark: venv ## Measure oversubscription on this machine's cores; prints the ratios (a few minutes)
	$(VENV_PYTHON) scripts/oversubscription.py --out $(BUILD)/benchmark

.PHONY: check-sources
check-sources: venv ## Read platform.toml's cited lines again in checkouts: make check-sources SOURCES="hpc-iq=DIR ..."
	@test -n "$(SOURCES)" || { echo 'make check-sources: name the checkouts, e.g. SOURCES="hpc-iq=../hpc-iq software-stack-custom=../software-stack-custom"' >&2; exit 2; }
	$(VENV)/bin/hpc-platform check platform.toml $(foreach s,$(SOURCES),--sources $(s))

.PHONY: linkcheck
linkcheck: venv ## Check the external links in every language (needs the internet, not part of make test)
	@for lang in $(LANGUAGES); do \
	  $(SPHINXBUILD) -b linkcheck -c . -d $(BUILD)/doctrees/$$lang -D language=$$lang \
	    $(SPHINXOPTS) source $(BUILD)/linkcheck/$$lang || exit 1; \
	done

.PHONY: clean
clean: ## Remove the build output and test artefacts (keeps .venv, the stand-in's cache and wheelhouse)
	rm -rf $(BUILD)/html $(BUILD)/doctrees $(BUILD)/gettext $(BUILD)/linkcheck $(BUILD)/test-artefacts
