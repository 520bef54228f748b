# Two commands do everything on a fresh machine (Python >= 3.11 and make):
#   make reproduce   -> reproduce every registered paper (figures, data, report) into ./results
#   make test        -> the test suite CI runs (what .ci/run calls)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: reproduce test test-all lint bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null
	$(BIN)/python -m pip install -e '.[test,dask]'
	touch $(STAMP)

reproduce: $(STAMP)
	$(BIN)/qbattery reproduce --out results

test: $(STAMP)
	@# one BLAS thread per worker: the suite runs two pytest workers on two cores
	$(BIN)/ruff check src tests benchmarks
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 -m "not slow"

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) results
