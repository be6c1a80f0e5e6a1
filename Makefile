# DataHarbor developer commands. `make demo` and `make test` set everything up themselves.
.PHONY: setup demo test test-fast lint bench accuracy samples clean

setup:
	./scripts/setup.sh

demo: setup
	.venv/bin/dataharbor demo

# the whole suite, slow tests included (what CI runs): on SQLite, then every test that uses the catalog on
# PostgreSQL (127.0.0.1:5432, user postgres; started by scripts/ensure_postgres.sh; that pass fails if none answers)
test: setup
	.venv/bin/pytest -m "slow or not slow"
	./scripts/ensure_postgres.sh
	DATAHARBOR_TEST_DATABASE=postgres .venv/bin/pytest -m "slow or not slow"

# the fast subset, for the edit-test loop
test-fast: setup
	.venv/bin/pytest -m "not slow" -q

lint: setup
	.venv/bin/ruff check src tests bench scripts
	.venv/bin/ruff format --check src tests bench scripts
	.venv/bin/mypy

# datatrove vs DataHarbor from scratch: fetches the Debian doc packages, builds the corpus, creates datatrove's
# venv (bench/work/datatrove-venv), runs everything with 2 workers and prints the table (~25 min on 2 cores)
bench: setup
	.venv/bin/python bench/compare.py --scales 1 4 --workers 2

accuracy: setup
	for f in bench/accuracy/[!_]*.py; do .venv/bin/python $$f || exit 1; done

samples: setup
	.venv/bin/python scripts/make_samples.py

clean:
	rm -rf harbor harbor-demo .pytest_cache .mypy_cache .ruff_cache
