# Developer entry points. `make test` is what CI runs (via .ci/run).
SPIN ?= $(shell command -v spin 2>/dev/null || echo $(HOME)/.local/bin/spin)
VENV := .venv

.PHONY: run build test lint unit e2e e2e-cluster bench clean

# `make e2e T=tests/e2e/test_agents.py::test_both_route_forms_agree` runs one test (or file);
# PYTEST_ARGS adds pytest options (e.g. PYTEST_ARGS=-x). The wasm is rebuilt only when a
# source is newer than the last build (CADENYA_E2E_BUILD=always|never overrides).
T ?= tests/e2e
PYTEST_ARGS ?= -q

## Serve the app on http://127.0.0.1:3000 with development settings.
run:
	$(SPIN) build --up --variable jwt_secret=change-me-dev-secret-at-least-32-chars --variable bootstrap_token=dev-bootstrap --variable secrets_encryption_key=ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=

## Release wasm for every component (what `spin up` serves).
build:
	$(SPIN) build

## Everything: formatting, clippy, unit + component tests, end-to-end tests under spin up
## (one instance on SQLite, then three on sqld + Redis; needs sqld and redis-server, which
## .ci/run installs).
test: lint unit e2e e2e-cluster

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	# the Spin host adapter and component entry points exist only for wasm32
	cargo clippy --workspace --target wasm32-wasip2 --exclude cadenya-cli -- -D warnings

unit:
	cargo test --workspace

e2e: $(VENV)/.installed
	$(VENV)/bin/pytest $(T) $(PYTEST_ARGS)

## The end-to-end suite again, against three instances over one sqld and one Redis behind a
## round-robin proxy (tests/e2e/cluster.py). The distributed tests themselves ran in `e2e`;
## the README, fuzz, secrets-at-rest (it reads the SQLite file) and fake-server suites run their own
## single app or none; the console is static files whose API calls the rest of the suite makes.
CLUSTER_SKIP := --ignore=tests/e2e/test_distributed.py --ignore=tests/e2e/test_distributed_limits.py \
	--ignore=tests/e2e/test_readme.py --ignore=tests/e2e/test_fakes.py --ignore=tests/e2e/test_console.py \
	--ignore=tests/e2e/test_fuzz.py --ignore=tests/e2e/test_secrets_at_rest.py
e2e-cluster: $(VENV)/.installed
	CADENYA_E2E_CLUSTER=1 $(VENV)/bin/pytest $(T) $(CLUSTER_SKIP) $(PYTEST_ARGS)

$(VENV)/.installed: tests/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -r tests/requirements.txt
	touch $@

## req/s and latency beside a hello-world component and the LangGraph dev server (needs
## wrk; installs the peer into bench/.peer-venv), then objective start latency
## (create → first model request); writes bench/RESULTS.md. BENCH_ARGS=--no-peer skips the peer.
bench: $(VENV)/.installed
	python3 bench/run.py $(BENCH_ARGS)
	$(VENV)/bin/python bench/objectives.py

clean:
	cargo clean
	rm -rf $(VENV) .spin bench/.peer-venv
