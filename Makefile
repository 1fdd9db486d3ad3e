# Borealis — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SEEDS  ?= 500
PORT   ?= 5432
DATA   ?= data
SHARDS ?= 4

.PHONY: run test sim lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

# Extra `borealis start` options: make run ARGS="--compat relaxed --auth trust"
run: $(STAMP)
	$(PY) -m borealis.cli start --port $(PORT) --data-dir $(DATA) --shards $(SHARDS) $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check borealis tests

test: $(STAMP) lint
	PYTHONHASHSEED=0 $(PY) -m pytest tests

# Long simulation runs: make sim SEEDS=500 [WORKLOAD=bank|append|durability] [FIRST=0]
sim: $(STAMP)
	PYTHONHASHSEED=0 $(PY) -m borealis.sim.run --seeds $(SEEDS) --first $${FIRST:-0} $${WORKLOAD:+--workload $$WORKLOAD}

clean:
	rm -rf $(VENV) build *.egg-info
