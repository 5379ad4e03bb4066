# Two entry points: `make run` plans the sample org's quarter and serves it; `make test` runs
# every test. `make run` installs only what running needs; `make test` adds the test tools.
# Installs use uv (fetched from the package index into the venv) and fall back to pip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv

# $(call install,SPEC): install SPEC into the venv with uv, or with pip where uv is missing.
install = if [ -x $(UV) ]; then $(UV) pip install --quiet --compile-bytecode --python $(BIN)/python $(1); \
	else $(BIN)/python -m pip install -qq --disable-pip-version-check $(1); fi

.PHONY: setup run test bench baselines clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -qq --disable-pip-version-check uv 2>/dev/null \
		|| echo "uv could not be installed: installing with pip (slower)"

# Stamps: each install reruns when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	@$(call install,-e .)
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	@$(call install,-e '.[test]')
	@touch $@ $(VENV)/.installed-run

setup: $(VENV)/.installed-test

# Mozilla's ical.js (Thunderbird's parser) cross-checks the feeds; needs Node.js and npm.
tests/js/node_modules: tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the ical.js cross-check will be skipped"; fi

run: $(VENV)/.installed-run
	$(BIN)/rota demo data/acme.yaml --weeks 13 --out out/

test: $(VENV)/.installed-test tests/js/node_modules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(VENV)/.installed-test
	$(BIN)/python bench/plan.py

# Rota beside round-robin layers and LinkedIn oncall's scheduler, on the same orgs.
baselines: setup
	$(BIN)/python bench/baselines.py

clean:
	rm -rf $(VENV) out tests/js/node_modules .pytest_cache .hypothesis
