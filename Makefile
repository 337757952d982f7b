# The README's commands.  `make bench` and `make test` are all a fresh machine needs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed-stamp
RUNS    ?= $(wildcard results/runs/*)
export HF_HUB_OFFLINE ?= 1

.PHONY: setup bench test lab report perf clean help

help:
	@echo "make bench   run the benchmark (profile picked automatically: gpu if CUDA, else cpu)"
	@echo "make test    run the test suite (offline, CPU)"
	@echo "make setup   create .venv and install the package with dev extras (idempotent)"
	@echo "make lab     JupyterLab on notebooks/"
	@echo "make report  rebuild results/leaderboard.* and the site results/site/ from the runs in results/runs/"
	@echo "make perf    performance figures into results/perf/"
	@echo "make clean   remove run directories and caches (keeps published tables)"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	@touch $(STAMP)

bench: setup
	$(BIN)/bench run $(ARGS)

test: setup
	HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 $(BIN)/python -m pytest -q $(PYTEST_ARGS)

lab: setup
	$(BIN)/jupyter lab notebooks/

report: setup
	@test -n "$(RUNS)" || { echo "no runs in results/runs/: run 'make bench' first"; exit 2; }
	$(BIN)/bench report $(RUNS) --out results

perf: setup
	@for f in benchmarks/perf_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf results/runs results/cache results/notebooks .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +
