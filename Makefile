# Every target sets up its own virtualenv from the pinned requirements, so a fresh clone needs
# nothing but Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/dev.txt
STAMP := $(VENV)/.installed-$(shell cksum < $(LOCK) | cut -d' ' -f1)
# The SAM CLI is only for building and deploying, so `make test` does not install it.
DEPLOY_LOCK := requirements/deploy.txt
DEPLOY_STAMP := $(VENV)/.deploy-installed-$(shell cksum < $(DEPLOY_LOCK) | cut -d' ' -f1)
# checkov pins libraries of its own, so it lives in a virtualenv of its own.
SECURITY_VENV := .venv-security
SECURITY_LOCK := requirements/security.txt
SECURITY_STAMP := $(SECURITY_VENV)/.installed-$(shell cksum < $(SECURITY_LOCK) | cut -d' ' -f1)
# The shared layer is built from a lock of its own (layers/shared/Makefile), resolved by uv at the
# versions of requirements/dev.txt, with hashes, for Lambda's Python 3.11 on arm64, less what the
# Lambda runtime provides: boto3 and its dependencies (tests/unit/test_layer_lock.py keeps it so).
LAYER_LOCK := layers/shared/requirements.txt
LAYER_RUNTIME_PROVIDED := boto3 botocore s3transfer jmespath python-dateutil six urllib3
ENV ?= dev

export AWS_DEFAULT_REGION ?= us-east-1
export SAM_CLI_TELEMETRY := 0
export PYTHONDONTWRITEBYTECODE := 1
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)

.PHONY: venv security audit run test lint unit integration e2e fuzz bench reconcile redrive openapi lock build deploy-check deploy clean

$(STAMP): $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(LOCK)
	@rm -f $(VENV)/.installed-*
	@touch $@

venv: $(STAMP)

$(DEPLOY_STAMP): $(STAMP) $(DEPLOY_LOCK)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r $(DEPLOY_LOCK)
	@rm -f $(VENV)/.deploy-installed-*
	@touch $@

$(SECURITY_STAMP): $(SECURITY_LOCK)
	@test -x $(SECURITY_VENV)/bin/python || $(PYTHON) -m venv $(SECURITY_VENV)
	$(SECURITY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(SECURITY_LOCK)
	@rm -f $(SECURITY_VENV)/.installed-*
	@touch $@

## checkov on template.yaml: every check passes or is left out with its reason in .checkov.yaml
security: $(SECURITY_STAMP)
	$(SECURITY_VENV)/bin/checkov --config-file .checkov.yaml

## pip-audit on every pinned requirement (needs PyPI's JSON API: run in CI, see README)
# The layer's lock on its own: it has hashes, and pip-audit then requires them of every file it is given.
audit: $(SECURITY_STAMP)
	$(SECURITY_VENV)/bin/pip-audit --strict --disable-pip --no-deps --progress-spinner off \
		-r requirements/dev.txt -r requirements/deploy.txt
	$(SECURITY_VENV)/bin/pip-audit --strict --disable-pip --require-hashes --progress-spinner off -r $(LAYER_LOCK)

## run the whole system locally (moto server, local API gateway, workers)
run: venv
	$(BIN)/python -m devstack run

## every check: lint, template validation, unit, integration and end-to-end tests
test: venv lint
	$(BIN)/python -m pytest -n auto --dist loadgroup

lint: venv security
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml
	$(BIN)/lint-imports
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
	$(BIN)/python -m devstack openapi --check

unit: venv
	$(BIN)/python -m pytest tests/unit

integration: venv
	$(BIN)/python -m pytest tests/integration

e2e: venv
	$(BIN)/python -m pytest tests/e2e

## long randomised runs: 2,000 random money-operation sequences, 2,000 operations under injected DynamoDB faults, schemathesis with 100 examples per operation, 1,000 loans pushed to an accounting system failing at random, then 500 cold rounds of concurrent repayments
fuzz: venv
	LMS_MONEY_EXAMPLES=$${LMS_MONEY_EXAMPLES:-2000} LMS_MONEY_STEPS=$${LMS_MONEY_STEPS:-40} \
		$(BIN)/python -m pytest -p no:xdist tests/unit/test_money_properties.py
	LMS_FUNDS_EXAMPLES=$${LMS_FUNDS_EXAMPLES:-100} $(BIN)/python -m pytest -p no:xdist tests/integration/test_funds_properties.py
	LMS_FAULT_OPERATIONS=$${LMS_FAULT_OPERATIONS:-2000} $(BIN)/python -m pytest -p no:xdist -s tests/integration/test_fault_injection.py
	LMS_API_FUZZ_EXAMPLES=$${LMS_API_FUZZ_EXAMPLES:-100} $(BIN)/python -m pytest -p no:xdist tests/integration/test_api_fuzz.py
	LMS_PUSH_LOANS=$${LMS_PUSH_LOANS:-1000} $(BIN)/python -m pytest -p no:xdist -s tests/integration/test_accounting_random_faults.py
	LMS_COLD_ROUNDS=$${LMS_COLD_ROUNDS:-500} $(BIN)/python -m pytest -p no:xdist -s tests/e2e/test_concurrency.py -k cold_rounds

## recompute ledger per-day totals from journal lines on the running local stack; report every difference
reconcile: venv
	$(BIN)/python -m devstack reconcile

## re-send, in each loan's order, the events in the accounting push dead-letter queue of the running stack
redrive: venv
	$(BIN)/python -m devstack redrive

# One process per benchmark module: moto's state is process-wide, so two local stacks in one
# process would share tables. The modules' JSON is merged into bench/results.json.
bench: venv
	@rm -rf .bench && mkdir -p .bench
	@set -e; for module in bench/test_bench_*.py; do \
		$(BIN)/python -m pytest $$module -p no:xdist --benchmark-only --benchmark-columns=mean,median,ops,rounds \
			--benchmark-sort=name --benchmark-json=.bench/$$(basename $$module .py).json; \
	done
	$(BIN)/python -c 'import glob, json; parts = [json.load(open(f)) for f in sorted(glob.glob(".bench/*.json"))]; \
		merged = {**parts[0], "benchmarks": [b for p in parts for b in p["benchmarks"]]}; \
		json.dump(merged, open("bench/results.json", "w"), indent=4)'

## regenerate the OpenAPI document served at /v1/openapi.json
openapi: venv
	$(BIN)/python -m devstack openapi --write

## build every function and the layer for Lambda (installs the SAM CLI on first use)
build: $(DEPLOY_STAMP)
	PYTHON=$(CURDIR)/$(BIN)/python $(BIN)/sam build

## validate with the SAM CLI, build, then run the deployment test on what `sam build` produced
deploy-check: build
	$(BIN)/sam validate --lint --template template.yaml
	LMS_SAM_BUILD_TEMPLATE=.aws-sam/build/template.yaml $(BIN)/python -m pytest -p no:xdist tests/deploy

## deploy to an environment of samconfig.toml: `make deploy ENV=dev` or `make deploy ENV=prod`
deploy: deploy-check
	$(BIN)/sam deploy --config-env $(ENV)

## refreeze the pins: requirements/dev.txt, the layer's lock (layers/shared/requirements.txt), deploy.txt, security.txt
lock:
	rm -rf /tmp/lms-lock && $(PYTHON) -m venv /tmp/lms-lock
	cd requirements && /tmp/lms-lock/bin/pip install --quiet -r dev.in
	(echo "# Frozen from dev.in by 'make lock'. Do not edit by hand."; /tmp/lms-lock/bin/pip freeze | grep -v '^pip==') > $(LOCK)
	cd layers/shared && /tmp/lms-lock/bin/uv pip compile --quiet requirements.in --constraint ../../$(LOCK) \
		--generate-hashes --python-version 3.11 --python-platform aarch64-manylinux2014 \
		$(addprefix --no-emit-package ,$(LAYER_RUNTIME_PROVIDED)) \
		--custom-compile-command 'make lock' --output-file requirements.txt
	rm -rf /tmp/lms-lock && $(PYTHON) -m venv /tmp/lms-lock
	cd requirements && /tmp/lms-lock/bin/pip install --quiet -r deploy.in -c dev.txt
	(echo "# Frozen from deploy.in by 'make lock'. Only 'make build' and 'make deploy' install it."; /tmp/lms-lock/bin/pip freeze | grep -v '^pip==') > $(DEPLOY_LOCK)
	rm -rf /tmp/lms-lock && $(PYTHON) -m venv /tmp/lms-lock
	cd requirements && /tmp/lms-lock/bin/pip install --quiet -r security.in
	(echo "# Frozen from security.in by 'make lock'. Only 'make security' (run by 'make lint') and 'make audit' install it, in their own virtualenv."; /tmp/lms-lock/bin/pip freeze | grep -v '^pip==') > $(SECURITY_LOCK)

clean:
	rm -rf $(VENV) $(SECURITY_VENV) .aws-sam .pytest_cache .ruff_cache .hypothesis
