# streamfleet — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.lock | cksum | cut -d' ' -f1)
WEB_STAMP := web/node_modules/.installed-$(shell cat web/package-lock.json 2>/dev/null | cksum | cut -d' ' -f1)
STATIC_INDEX := src/streamfleet/static/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/vite.config.ts web/package.json -type f 2>/dev/null)

.PHONY: run test install build web-check lint typecheck pytest bench bench-lean lean-ffmpeg clean lock \
	api-types

## make run: set up everything, migrate, start `streamfleet serve` with demo channels (the
## first start prints the password of user admin and writes it to data/initial-admin.txt);
## copy channels run on the lean FFmpeg once `make lean-ffmpeg` has built it
run: install build
	$(BIN)/streamfleet db upgrade
	$(if $(wildcard $(LEAN_FFMPEG)),STREAMFLEET_COPY_FFMPEG_PATH="$${STREAMFLEET_COPY_FFMPEG_PATH:-$(abspath $(LEAN_FFMPEG))}") \
		$(BIN)/streamfleet serve

## make test: lint, type-check, dashboard check + build, the whole pytest suite, bench smoke
test: install lint typecheck web-check build pytest

install: $(STAMP)

# The locked versions (hashes checked), the ones the image runs (requirements.lock is the
# runtime part of requirements-dev.lock), then the package itself without resolving again.
$(STAMP): pyproject.toml requirements-dev.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@rm -f web/node_modules/.installed-*
	@touch $@

## make build: the dashboard, built into the package's static folder
build: $(STATIC_INDEX)

$(STATIC_INDEX): $(WEB_STAMP) $(WEB_SOURCES)
	cd web && npm run --silent build

## make api-types: regenerate the dashboard's REST types (web/src/api/openapi.d.ts) from the
## OpenAPI document of the current code; tests/integration/api/test_openapi_types.py fails on drift
api-types: install $(WEB_STAMP)
	$(BIN)/python -m streamfleet.api.openapi_dump > $(VENV)/openapi.json
	web/node_modules/.bin/openapi-typescript $(VENV)/openapi.json --default-non-nullable false \
		--output web/src/api/openapi.d.ts

web-check: $(WEB_STAMP)
	cd web && npm run --silent typecheck && npm test --silent

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

## make lock: pin the dependencies at the versions in .venv (the ones the suite passed with),
## with hashes, from PyPI: requirements.lock (runtime, the image installs it) and
## requirements-dev.lock (plus the test and bench extras)
LOCK_FLAGS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links \
	--no-emit-index-url \
	--constraint $(VENV)/constraints.txt
lock: install
	$(BIN)/pip freeze --exclude-editable > $(VENV)/constraints.txt
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
		$(BIN)/pip-compile $(LOCK_FLAGS) \
		--output-file requirements.lock pyproject.toml
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
		$(BIN)/pip-compile $(LOCK_FLAGS) \
		--extra test --extra bench --output-file requirements-dev.lock pyproject.toml

## make bench: 60 channels, streamfleet vs bare FFmpeg vs nginx-rtmp
bench: install
	$(BIN)/python -m bench --channels 60 --seconds 60

## make lean-ffmpeg: the lean FFmpeg for copy channels, built from source into .cache (a C
## compiler and nasm; a few minutes). Run it: STREAMFLEET_COPY_FFMPEG_PATH=$(LEAN_FFMPEG)
LEAN_FFMPEG := .cache/ffmpeg-lean/bin/ffmpeg
lean-ffmpeg: $(LEAN_FFMPEG)

$(LEAN_FFMPEG): deploy/ffmpeg/build-lean.sh
	deploy/ffmpeg/build-lean.sh .cache/ffmpeg-lean

## make bench-lean: make bench with streamfleet's copy channels on the lean FFmpeg (built
## first with make lean-ffmpeg: the benchmark itself downloads nothing)
bench-lean: install
	@test -x $(LEAN_FFMPEG) || { echo "bench-lean: no $(LEAN_FFMPEG); run make lean-ffmpeg first" >&2; exit 2; }
	$(BIN)/python -m bench --channels 60 --seconds 60 --copy-ffmpeg $(LEAN_FFMPEG)

clean:
	rm -rf $(VENV) web/node_modules src/streamfleet/static/assets $(STATIC_INDEX)
