# The README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test install lint bench fuzz clean

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	bash scripts/run.sh

test: install
	bash scripts/test.sh

fuzz: install  # Schemathesis against the live API from its own OpenAPI document, 3,000 requests per operation
	API_FUZZ_EXAMPLES=$${API_FUZZ_EXAMPLES:-3000} $(VENV)/bin/python -m pytest -q -p no:randomly tests/api/test_fuzz.py

lint: install
	$(VENV)/bin/ruff check .

bench: install
	@ls bench/*.py | while read script; do echo "== $$script"; $(VENV)/bin/python $$script || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache
