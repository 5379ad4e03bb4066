# Two entry points: `make run` plans the sample org's quarter; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run test bench baselines clean

$(BIN)/rota: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/rota

# Mozilla's ical.js (Thunderbird's parser) cross-checks the feeds; needs Node.js and npm.
tests/js/node_modules: tests/js/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/js --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the ical.js cross-check will be skipped"; fi

run: setup
	$(BIN)/rota demo data/acme.yaml --start 2027-01-04 --weeks 13 --out out/

test: setup tests/js/node_modules
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: setup
	$(BIN)/python bench/plan.py

# Rota beside round-robin layers and LinkedIn oncall's scheduler, on the same orgs.
baselines: setup
	$(BIN)/python bench/baselines.py

clean:
	rm -rf $(VENV) out tests/js/node_modules .pytest_cache .hypothesis
