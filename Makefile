# Two commands for a newcomer: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
DASHBOARD_STAMP := $(VENV)/.installed-dashboard

.PHONY: run test test-fast bench lint clean dashboard baseline

# Find a Python >= 3.12: .python-version (pyenv), then python3.13, python3.12, python3.
PYTHON_BOOT := $(shell for p in python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

$(PY):
	@if [ -z "$(PYTHON_BOOT)" ]; then \
	  echo "No Python 3.12 or newer found: install Python >= 3.12 (Mesa 3.5 needs it) and retry." >&2; exit 1; fi
	$(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,dask,uncertainty,dashboard]'
	@touch $@ $(STAMP) $(DASHBOARD_STAMP)

$(DASHBOARD_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[dashboard]'
	@touch $@ $(STAMP)

run: $(STAMP)
	$(VENV)/bin/sim run scenarios/observed-2025.toml scenarios/baseline.toml --replicates 3
	@echo "sim is installed in $(VENV): 'source $(VENV)/bin/activate' puts sim on the PATH of this shell (or call $(VENV)/bin/sim)"

# The dashboard: installs the [dashboard] extra, prints the address (127.0.0.1).
dashboard: $(DASHBOARD_STAMP)
	$(VENV)/bin/sim dashboard $(SCENARIOS)

test: $(TEST_STAMP)
	$(VENV)/bin/pytest

# Everything but the tests marked slow (@pytest.mark.slow): under a minute on 2 cores.
test-fast: $(TEST_STAMP)
	$(VENV)/bin/pytest -m "not slow"

# Benchmarks: table in benchmarks/out/; BENCH_QUICK=1 make bench for a smoke run.
bench: $(TEST_STAMP)
	$(PY) benchmarks/bench.py

# The committed baseline of results (tests/baseline.json): rewrite it after a behaviour change
# made on purpose, in a commit of its own that says why.
baseline: $(STAMP)
	$(PY) benchmarks/run_hashes.py --update

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV)

# Documentation: rewrite every generated table and figure of README.md and docs/*.md
# from the command its marker names (the benchmark table only after a full `make bench`).
.PHONY: docs
docs: $(STAMP)
	$(VENV)/bin/sim docs

# The fits of several episodes too (sim calibrate A B C, sim crossfit): hours on 2 cores.
.PHONY: docs-fits
docs-fits: $(TEST_STAMP)
	$(VENV)/bin/sim docs --fits
