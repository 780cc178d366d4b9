# Thin everyday targets. `make run` and `make test` work on a fresh machine with only Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PACKAGES := libs/contracts libs/servicekit libs/devkit libs/vncalendar libs/formschema gateway catalog-svc intake-svc workflow-svc notify-svc interop-svc portal
STAMP  := $(VENV)/.installed
PYTEST_WORKERS ?= 2

.PHONY: install run test test-crash lint fmt check migrate bench asyncapi clean browser wrk backup restore prometheus
DATA ?= .data

$(STAMP): constraints.txt $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt pip setuptools wheel
	$(BIN)/python -m pip install -q -c constraints.txt --no-build-isolation $(foreach p,$(PACKAGES),-e $(p))
	$(BIN)/python -m pip install -q -c constraints.txt pytest pytest-asyncio pytest-xdist ruff mypy xmlsec \
		playwright axe-playwright-python zxing-cpp pypdfium2 kubernetes-validate
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m devkit.stackrun $(if $(REPLICAS),--replicas $(REPLICAS))

# The portal's browser tests drive Debian's Chromium; installed here when missing and we may (root with apt),
# otherwise those tests are skipped with one line saying how to install it.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
		echo "Chromium not installed: the portal's browser tests will be skipped (apt-get install chromium)"; }

# promtool (Debian's prometheus package) checks and unit-tests the alert rules of deploy/prometheus; installed here
# when missing and we may (root with apt), otherwise that test is skipped with one line saying how to install it.
prometheus:
	@command -v promtool >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		prometheus >/dev/null) || \
		echo "promtool not installed: the alert rule tests will be skipped (apt-get install prometheus)"; }

test: install browser prometheus
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

# kill -9 of intake, notify and the NATS server under keyed submissions (also part of `make test`)
test-crash: install
	$(BIN)/python -m pytest -m crash tests/test_crash.py

# every service database, the stored files and the keys of the installation in $(DATA), in one archive
backup: install
	$(BIN)/python -m devkit.backup create --data $(DATA)

# into an empty installation: make restore FROM=backups/dvc-….tar.gz [DATA=.data]
restore: install
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/dvc-<time>.tar.gz [DATA=.data]"; exit 2; }
	$(BIN)/python -m devkit.backup restore --from $(FROM) --data $(DATA)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

migrate: install
	@echo "make run migrates every service's database on start; for your own server:"
	@echo "  <SVC>_DATABASE_URL=postgresql://… $(BIN)/python -m <pkg> migrate"

asyncapi: install
	$(BIN)/python -m contracts.asyncapi > docs/asyncapi.json

# make bench drives HTTP load with Debian's wrk (a compiled generator in its own process), installed here when
# missing and we may (root with apt); without it the bench falls back to several Python load processes.
wrk:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || \
		echo "wrk not installed: make bench uses Python load processes instead (apt-get install wrk)"; }

# make bench ONLY=search,procedure runs some rows (python tests/bench.py --list names them)
ONLY ?=
bench: install wrk
	$(BIN)/python tests/bench.py $(if $(ONLY),--only $(ONLY))

clean:
	rm -rf .data
