# Every target sets up .venv itself on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean translations

PEERS := tests/peers
PEERS_STAMP := $(PEERS)/node_modules/.installed

install: $(STAMP) $(PEERS_STAMP)

# The Bluesky PDS the network tests run against (Node.js and npm; versions pinned by the lock file).
# npm ci compiles better-sqlite3 from source (about 90 s on 2 cores: its prebuilt binaries live on
# GitHub, out of reach here), so a finished install is kept per lock file and Node.js version, and a
# fresh clone on the same machine copies it (2 s) instead of building it again.
PEERS_CACHE ?= $(HOME)/.cache/article-promotion-scheduler/peers-$(shell cat $(PEERS)/package-lock.json | sha256sum | cut -c1-16)-$(shell node --version 2>/dev/null)
$(PEERS_STAMP): $(PEERS)/package.json $(PEERS)/package-lock.json
	@if [ -f "$(PEERS_CACHE)/node_modules/.installed" ]; then \
	  echo "tests/peers: node_modules copied from $(PEERS_CACHE) (the same lock file)"; \
	  rm -rf $(PEERS)/node_modules && cp -a "$(PEERS_CACHE)/node_modules" $(PEERS)/; \
	else \
	  npm ci --prefix $(PEERS) --no-audit --no-fund --loglevel=error && touch $(PEERS_STAMP) && \
	  mkdir -p "$(PEERS_CACHE)" && rm -rf "$(PEERS_CACHE)/partial" && \
	  cp -a $(PEERS)/node_modules "$(PEERS_CACHE)/partial" && \
	  rm -rf "$(PEERS_CACHE)/node_modules" && mv "$(PEERS_CACHE)/partial" "$(PEERS_CACHE)/node_modules"; \
	fi
	touch $(PEERS_STAMP)

$(STAMP): pyproject.toml scripts/install-system-packages
	scripts/install-system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,demo]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/scheduler demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# The Python and the Node.js installs are independent: on a fresh clone they run side by side.
test:
	$(MAKE) --no-print-directory --jobs=2 --output-sync=target lint $(PEERS_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/dispatch.py
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/cards.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/month_view.py

# The pages' text into the catalog template, and every language's catalog brought up to date with it.
LOCALES := scheduler/web/locale
translations: $(STAMP)
	$(BIN)/pybabel --quiet extract --mapping-file=babel.cfg --no-location --sort-output \
	  --keywords="said said_n:1,2" --project="article promotion scheduler" \
	  --output-file=$(LOCALES)/messages.pot scheduler/web
	$(BIN)/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete \
	  --input-file=$(LOCALES)/messages.pot --output-dir=$(LOCALES)

clean:
	rm -rf $(VENV) var
