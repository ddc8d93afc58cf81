# The two commands (README): `make demo` runs the main job, `make test` runs the tests.
# Both install what they need: Debian packages when missing, then a virtualenv in .venv.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint format clean system-deps system-deps-demo venv dist browser-deps
# Test-only npm packages (axe-core for the accessibility checks); pages never load them.
AXE := tests/browser/node_modules/axe-core/axe.min.js

demo: system-deps-demo $(STAMP)
	$(BIN)/i5g stack up

# The suite mostly waits on servers it starts (each on a free port, in a temp dir), so it runs on more workers
# than cores; one test file stays on one worker, so module-scoped servers start once.
TEST_WORKERS ?= 3

test: system-deps $(STAMP) browser-deps
	$(BIN)/ruff check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=25
	# Once more with the collector's paho fast paths forced off: a paho release that changes its internals
	# must cost speed, never correctness (collector/intake_client.py).
	I5G_COLLECTOR_PAHO_FAST_PATHS=false $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -q tests/collector

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

system-deps:
	scripts/install-system-deps test

system-deps-demo:
	scripts/install-system-deps demo

venv: $(STAMP)

browser-deps: $(AXE)

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $(AXE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[all,dev]'
	touch $(STAMP)

# The release: sdist + wheel in dist/ (docs/operations.md "Release").
dist: $(STAMP)
	scripts/build-release dist

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info .i5g tests/browser/node_modules
