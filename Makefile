# Two commands on a fresh machine:  `make run` (the app on the demo corpus) and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.ragqa-installed
INDEX ?= index
export OMP_NUM_THREADS ?= 2
export OPENBLAS_NUM_THREADS ?= 2
export MKL_NUM_THREADS ?= 2
export TOKENIZERS_PARALLELISM := false
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup run index test test-fast bench bench-quick clean-index

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU build of torch first, so nothing pulls a multi-GB CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

setup: $(STAMP)

index: setup
	$(VENV)/bin/ragqa build data/ --index $(INDEX)

run: index
	$(PY) app.py --index $(INDEX)

test: setup
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; fi
	$(PY) -m pytest -q -ra --durations=25

test-fast: setup
	$(PY) -m pytest -q -m "not slow and not browser"

bench: setup
	$(PY) -m bench

bench-quick: setup
	$(PY) -m bench --quick

clean-index:
	rm -rf $(INDEX)/manifest.json $(INDEX)/segments
