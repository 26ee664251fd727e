# Star City news monitor. `make run` and `make test` do all set-up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
SOURCES ?= real
SOURCE ?=
DB ?= $(if $(filter demo,$(SOURCES)),data/demo.db,data/starcity.db)
HOST ?= 127.0.0.1
PORT ?= 8001
SOURCE_ARGS := $(foreach s,$(SOURCE),--source $(s))
# The demo web's port (part of its article URLs, so keep it the same between runs).
DEMO_PORT ?= 8002
export STARCITY_DEMO_PORT := $(DEMO_PORT)

.PHONY: help run demo demo-web crawl crawl-distributed reprocess summaries serve test lint format lock accuracy relevance people-dates bench bench-large clean

help:
	@echo "make run      crawl the real sources into $(DB), then serve Datasette on $(HOST):$(PORT)"
	@echo "make demo     the same with the bundled offline demo web (data/demo.db)"
	@echo "make crawl    crawl only (SOURCES=real|demo|file, SOURCE=name, DB=path)"
	@echo "make reprocess  derive DB's articles again from the web archive, no network (SOURCE=name, REPROCESS_ARGS=...)"
	@echo "make crawl-distributed  the crawl spread over WORKERS=N processes on Redis, one writer (REDIS_URL=...)"
	@echo "make summaries  check DB's summary tables against a full recount (REBUILD=1 recounts them)"
	@echo "make serve    serve DB in Datasette (read-only)"
	@echo "make test     run the test suite"
	@echo "make lint     ruff check and format check, the import contracts (lint-imports), every imported package declared"
	@echo "make bench    time people/date analysis, relevance + duplicate lookup (100k stored), a crawl, memory on hostile pages and the stored queries (100k articles)"
	@echo "make bench-large  the newsroom's requests at 1,000,000 articles beside the 100,000 figures"
	@echo "make accuracy / relevance / people-dates   accuracy of extraction, relevance labels, people and dates"

# A stamp is stale when its venv's interpreter no longer runs (a venv removed or moved
# by hand): the venv is then built again.
ifneq ($(shell $(PY) -c 'print(1)' 2>/dev/null),1)
$(shell rm -f $(STAMP) $(DEV_STAMP))
endif

# Production dependencies (make run, crawl, serve); development ones on top for the
# tests, lint and benchmarks.
$(STAMP): requirements.lock scripts/bootstrap-venv.sh
	PYTHON=$(PYTHON) scripts/bootstrap-venv.sh $(VENV) requirements.lock
	touch $(STAMP)

$(DEV_STAMP): requirements-dev.lock $(STAMP)
	PYTHON=$(PYTHON) scripts/bootstrap-venv.sh $(VENV) requirements-dev.lock
	touch $(DEV_STAMP)

run: $(STAMP)
	$(PY) -m starcity run --sources $(SOURCES) --db $(DB) $(SOURCE_ARGS) --host $(HOST) --port $(PORT)

demo: $(STAMP)
	$(PY) -m starcity demo --db $(if $(filter command line,$(origin DB)),$(DB),data/demo.db) --host $(HOST) --port $(PORT)

demo-web: $(STAMP)
	$(PY) -m starcity demo-web --port $(DEMO_PORT)

crawl: $(STAMP)
	$(PY) -m starcity crawl --sources $(SOURCES) --db $(DB) $(SOURCE_ARGS)

# Stored articles derived again from their archived responses with the current code and
# configuration (docs/archive.md); e.g. REPROCESS_ARGS="--outdated --since 2026-01-01".
REPROCESS_ARGS ?=
reprocess: $(STAMP)
	$(PY) -m starcity reprocess --db $(DB) $(SOURCE_ARGS) $(REPROCESS_ARGS)

# A distributed run on this machine (docs/distributed.md): a private redis-server on a free
# loopback port (installed with apt when missing), the writer next to DB and WORKERS
# crawler processes; REDIS_URL=redis://... uses an existing Redis instead.
WORKERS ?= 2
REDIS_URL ?=
crawl-distributed: $(STAMP)
	@scripts/ensure-redis.sh
	$(PY) -m starcity crawl-distributed --workers $(WORKERS) --sources $(SOURCES) --db $(DB) $(SOURCE_ARGS) $(if $(REDIS_URL),--redis $(REDIS_URL))

# The summary tables the newsroom's counts come from (docs/newsroom.md), against a full
# recount of DB's rows; REBUILD=1 recounts them first.
summaries: $(STAMP)
	$(PY) -m starcity summaries --db $(DB) $(if $(REBUILD),--rebuild)

serve: $(STAMP)
	$(PY) -m starcity serve --db $(DB) --host $(HOST) --port $(PORT)

# The suite runs in parallel, one worker per core (pytest-xdist); TEST_WORKERS=0 runs it
# in one process.
TEST_WORKERS ?= auto
test: $(DEV_STAMP)
	@scripts/ensure-chromium.sh || echo "warning: no chromium; the browser tests will be skipped" >&2
	@scripts/ensure-redis.sh
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/check_imports.py

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

EVAL_VENV := .venv-eval
EVAL_DIR ?= ../shared/eval

ifneq ($(shell $(EVAL_VENV)/bin/python -c 'print(1)' 2>/dev/null),1)
$(shell rm -f $(EVAL_VENV)/.installed)
endif

$(EVAL_VENV)/.installed: bench/requirements-eval.txt
	$(PYTHON) -m venv --clear $(EVAL_VENV)
	$(EVAL_VENV)/bin/python -m pip install --quiet --upgrade pip
	# lxml with its html-clean extra first: pip's resolver trips over it inside newspaper4k.
	$(EVAL_VENV)/bin/python -m pip install --quiet "lxml[html-clean]==6.1.3"
	$(EVAL_VENV)/bin/python -m pip install --quiet -r bench/requirements-eval.txt
	touch $@

# Score our extractor and trafilatura, htmldate and newspaper4k on ../shared/eval (docs/accuracy.md).
accuracy: $(DEV_STAMP) $(EVAL_VENV)/.installed
	$(EVAL_VENV)/bin/python bench/accuracy.py --eval-dir $(EVAL_DIR)
	$(PY) bench/generalisation.py --eval-dir $(EVAL_DIR)

# Precision and recall of the relevance labels on the labelled pages in bench/relevance/.
relevance: $(DEV_STAMP)
	$(PY) bench/relevance.py

# Time the newsroom's stored queries, searches and dashboard charts through Datasette on a
# generated database of BENCH_ARTICLES articles (made once, about a minute for 100,000);
# results in bench/results/newsroom.md.
BENCH_ARTICLES ?= 100000
BENCH_DB := data/bench/news-$(BENCH_ARTICLES).db

$(BENCH_DB): bench/generate.py db/migrations.py | $(DEV_STAMP)
	$(PY) bench/generate.py --articles $(BENCH_ARTICLES) --out $@

# Articles of the generated local web that `make bench` crawls (bench/crawl.py), and that
# it crawls with 1, 2 and 4 crawler processes on Redis (bench/distributed.py).
BENCH_CRAWL_ARTICLES ?= 2000
BENCH_DISTRIBUTED_ARTICLES ?= 1000

bench: $(DEV_STAMP) $(BENCH_DB)
	$(PY) bench/people_dates.py
	$(PY) bench/dedupe_relevance.py
	$(PY) bench/crawl.py --articles $(BENCH_CRAWL_ARTICLES)
	@scripts/ensure-redis.sh
	$(PY) bench/distributed.py --articles $(BENCH_DISTRIBUTED_ARTICLES)
	$(PY) bench/storage.py
	$(PY) bench/memory.py
	$(PY) bench/newsroom.py --db $(BENCH_DB)

# The newsroom at a million articles: the generated database built once (about 12 minutes,
# kept under data/bench/), then every request timed as `make bench` does at 100,000, both
# sizes side by side in bench/results/newsroom-1m.md (exits 1 when a request takes 200 ms
# or more).
BENCH_LARGE_ARTICLES ?= 1000000
BENCH_LARGE_DB := data/bench/news-$(BENCH_LARGE_ARTICLES).db

# built once: the schema is brought up to date when the database is opened
$(BENCH_LARGE_DB): | $(DEV_STAMP)
	$(PY) bench/generate.py --articles $(BENCH_LARGE_ARTICLES) --out $@

bench-large: $(DEV_STAMP) $(BENCH_LARGE_DB)
	$(PY) bench/newsroom.py --db $(BENCH_LARGE_DB) --name newsroom-1m --compare bench/results/newsroom.json

# Person and date precision and recall on the hand-annotated pages (docs/accuracy.md).
people-dates: $(DEV_STAMP)
	$(PY) bench/people_dates.py

# Re-pin both locks from pyproject.toml (needs PyPI), with a pinned pip-tools; existing
# pins are kept unless pyproject.toml asks otherwise.
PIP_TOOLS := pip-tools==7.6.2
LOCK_OPTIONS := --quiet --generate-hashes --allow-unsafe --no-emit-index-url \
  --no-emit-find-links --strip-extras
lock: $(STAMP)
	$(PY) -m pip install --quiet "$(PIP_TOOLS)"
	$(VENV)/bin/pip-compile $(LOCK_OPTIONS) -o requirements.lock pyproject.toml
	$(VENV)/bin/pip-compile $(LOCK_OPTIONS) --extra dev -o requirements-dev.lock pyproject.toml

clean:
	rm -rf data/logs .pytest_cache .ruff_cache
