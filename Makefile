# Hydro developer entry points. Everything runs from the project's own virtualenv (.venv),
# which `make install` creates; every other target installs first when needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PROTO_FILES := $(shell find protos -name '*.proto')

.PHONY: install test lint protos demo clean browser bench reliability

install: $(STAMP)

$(STAMP): pyproject.toml
	command -v chromium >/dev/null && command -v chromedriver >/dev/null || $(MAKE) browser
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Two workers, a test file each at a time: most of the suite waits on real processes and servers,
# so two workers keep both cores busy (TEST_WORKERS=0 runs in one process).
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile) --ignore=tests/reliability $(PYTEST_ARGS)

# Fault injection, the bounded loopback load test and the long fuzz runs (docs/reliability.md).
reliability: install
	HYDRO_FUZZ_EXAMPLES=$${HYDRO_FUZZ_EXAMPLES:-200} $(PY) -m pytest -p no:cacheprovider --timeout=3600 tests/reliability tests/fuzz $(PYTEST_ARGS)

# Side-by-side benchmarks against KServe, MLServer, BentoML and Evidently (installed into
# tests/bench/.peers); prints the table and rewrites docs/BENCHMARKS.md.
bench: install
	$(PY) -m tests.bench $(BENCH_ARGS)

# Headless Chromium for the UI's browser tests (Debian packages; root or sudo).
browser:
	$(if $(filter 0,$(shell id -u)),,sudo) apt-get update -qq
	$(if $(filter 0,$(shell id -u)),,sudo) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy protos runtimes controller functions
	bash tools/vendor_ui.sh --check

# The end-to-end demo; DEMO_ARGS=--exit (or HYDRO_DEMO_EXIT=1) stops it when the scenario is done.
demo: install
	$(PY) -m controller.demo $(DEMO_ARGS)

# Regenerates the committed *_pb2.py files; the generated code is never edited by hand.
protos: install
	$(PY) -m grpc_tools.protoc -I. --python_out=. --pyi_out=. --grpc_python_out=. $(PROTO_FILES)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
