# Borealis — the two commands a new user needs are `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
SEEDS  ?= 500
PORT   ?= 5432
DATA   ?= data
SHARDS ?= 1

.PHONY: run test sim lint clean bench

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
	$(VENV)/bin/ruff check borealis tests bench

test: $(STAMP) lint
	PYTHONHASHSEED=0 $(PY) -m pytest tests

# Long simulation runs: make sim SEEDS=500 [WORKLOAD=bank|append|durability] [FIRST=0]
sim: $(STAMP)
	PYTHONHASHSEED=0 $(PY) -m borealis.sim.run --seeds $(SEEDS) --first $${FIRST:-0} $${WORKLOAD:+--workload $$WORKLOAD}

# Borealis side by side with a throw-away PostgreSQL 15 (bench/; never part of `make test`).
# Installs postgresql-15 and sysbench when missing; prints the table and writes
# bench/results/latest.{json,md}. Parameters (all optional):
#   QUICK=1            scale 1, 5 s per run: under 3 minutes (default: scale 10, 30 s, < 15 min)
#   SCALE=N            pgbench scale            DURATION=S  seconds per pgbench/sysbench run
#   CLIENTS=N          concurrent clients (8)   ONLY=select,update,latency,sysbench  a subset
#                      (a subset, or BENCH_ARGS=--servers ..., leaves latest.* as they were)
#   BOREALIS_ARGS="--shards 8"   extra `borealis start` options (e.g. --workers N once it exists)
#   BENCH_ARGS="..."   any other `python -m bench.run` option (see its --help)
bench: $(STAMP)
	$(PY) -m bench.run $(if $(filter 1 yes true,$(QUICK)),--quick) \
	    $(if $(SCALE),--scale $(SCALE)) $(if $(DURATION),--duration $(DURATION)) \
	    $(if $(CLIENTS),--clients $(CLIENTS)) $(if $(ONLY),--only $(ONLY)) \
	    $(if $(BOREALIS_ARGS),--borealis-args "$(BOREALIS_ARGS)") $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info
