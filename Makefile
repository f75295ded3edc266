# Two commands for a newcomer: `make demo` (talk to the demo deployment in this terminal)
# and `make test` (the whole test suite). Both create .venv and install what they need.
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench clean lock

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/peacepulse chat

test: $(STAMP)
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# The production lock file: every dependency pinned, with the hashes of its files.
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --universal --python-version 3.11 \
		--generate-hashes --no-header --quiet -o requirements.lock

bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks.inbound

clean:
	rm -rf $(VENV) .peacepulse .pytest_cache .mypy_cache .ruff_cache
