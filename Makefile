# Deep Learning for Music Classification with Keras: the project's commands.
# `make demo` runs every notebook; `make test` runs the test suite. Both set up .venv first.

SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# The exact versions to install: the tested set; `make test-floors` uses constraints-floors.txt.
CONSTRAINTS ?= constraints.txt
STAMP := $(VENV)/.requirements.txt
# The oldest Python the pins of constraints.txt install on (keras and numpy need 3.11,
# soupsieve 3.11.5);
# utils.config.MINIMUM_VERSIONS, the README and the notebooks' setup cell say the same.
PYTHON_FLOOR := 3.11.5
# A .venv moved with the project folder keeps the old folder in its scripts' first line
# (`jupyter` fails with "python: not found"): such a venv is rebuilt.
VENV_MOVED := $(shell test -e $(VENV)/bin/pip && ! head -1 $(VENV)/bin/pip | grep -qF '$(realpath $(VENV))/bin/python' && echo yes)
export TF_CPP_MIN_LOG_LEVEL ?= 2
# pytest runs on every core (pytest-xdist) and lists the 15 slowest tests;
# `make test PYTEST_ARGS="-n 0 -k name"` runs serially.
PYTEST_ARGS ?= -n auto --durations=15

.PHONY: FORCE help setup demo test test-fast test-floors lint format lab tensorboard data bench clean distclean notebooks-meta slides site

help:  ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# Re-installs only when requirements.txt, constraints.txt or requirements-nodeps.txt changed
# since the last successful install (requirements-nodeps.txt is installed with --no-deps).
# constraints.txt holds the exact versions tested together.
# uv fetches the packages in parallel: a new .venv takes about 50 s here, where pip took 110 s
# (both with empty caches). Where uv cannot install (a package index only pip is configured
# for, say), pip installs the same pins. Both compile the bytecode at install time, so no
# notebook kernel compiles TensorFlow's 1,900 modules at its first import (PYTHONDONTWRITEBYTECODE
# would make every kernel do it again). Then librosa's numba kernels are compiled once.
$(STAMP): requirements.txt $(CONSTRAINTS) requirements-nodeps.txt $(if $(VENV_MOVED),FORCE)
	@$(if $(VENV_MOVED),echo "$(VENV) was made in another folder (its scripts point there): rebuilding it"; rm -rf $(VENV))
	@python=$$(test -x $(PY) && echo $(PY) || echo $(PYTHON)); \
	$$python -c 'import sys; sys.exit(sys.version_info < tuple(map(int, "$(PYTHON_FLOOR)".split("."))))' 2>/dev/null || { \
	  found=$$($$python --version 2>&1 | head -1); test -x "$$(command -v $$python)" || found="not found"; \
	  echo "This project needs Python $(PYTHON_FLOOR) or newer (3.11, 3.12 and 3.13 are tested), but $$python is $$found: run make setup PYTHON=python3.12 (or another Python $(PYTHON_FLOOR)+)$$(test -x $(PY) && echo " after rm -rf $(VENV)")." >&2; \
	  exit 1; }
	@test -x $(PY) || { echo "Creating $(VENV) with $$($(PYTHON) --version)"; $(PYTHON) -m venv $(VENV); }
	@echo "Installing requirements.txt into $(VENV) (3 GB, about a minute the first time)"
	$(PY) -m pip install --quiet --disable-pip-version-check uv -c $(CONSTRAINTS)
	$(PY) -m uv pip install --quiet --compile-bytecode --python $(PY) -r requirements.txt -c $(CONSTRAINTS) \
		|| { echo "uv could not install; installing with pip instead"; \
		     $(PY) -m pip install --quiet -r requirements.txt -c $(CONSTRAINTS); }
	@echo "Installing requirements-nodeps.txt without dependencies (the pretrained musicnn weights)"
	$(PY) -m uv pip install --quiet --compile-bytecode --python $(PY) --no-deps -r requirements-nodeps.txt \
		|| $(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@echo "Compiling librosa's numba kernels once (about 50 s the first time)"
	@$(PY) -c "from utils import audio; print(f'  done in {audio.precompile():.0f} s')"
	@cat requirements.txt $(CONSTRAINTS) requirements-nodeps.txt > $(STAMP)

FORCE:

setup: $(STAMP)  ## create .venv and install requirements.txt with the tested pins (skipped when nothing changed)

demo: setup  ## run every notebook headless into build/, write build/RESULTS.md and the README's results
	@status=0; $(PY) -m utils.runner $(NOTEBOOKS) || status=$$?; \
	$(PY) -m utils.publish results || status=$$?; exit $$status

notebooks-meta: setup  ## write every notebook's setup cells, Colab badge and slide types (after editing them)
	$(PY) -m utils.runner --sync-setup

slides: setup  ## reveal.js slides of the executed notebooks (run make demo first) into build/site/slides/
	$(PY) -m utils.publish slides

site: setup  ## a static site in build/site/: index, every executed notebook as a page, the slides
	$(PY) -m utils.publish site

test: setup lint  ## lint, then run the tests: unit, doctests, real-format and every notebook in quick mode
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: setup  ## the tests without the notebook runs, for the edit loop
	$(PY) -m pytest -m "not notebook" $(PYTEST_ARGS)

# The floors' own data folder: the demo they generate must be theirs (an older libsndfile
# encodes the demo's mp3 files differently), not the one .venv made.
test-floors:  ## make test-fast on the oldest versions requirements.txt claims, in .venv-floors
	MUSICDL_DATA=$(CURDIR)/.venv-floors/data $(MAKE) test-fast VENV=.venv-floors CONSTRAINTS=constraints-floors.txt

lint: setup  ## ruff: the rule families of pyproject.toml, notebooks included, and the formatter's check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup  ## ruff's safe fixes and its formatter, on code and notebooks
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

tensorboard: setup  ## open TensorBoard on the notebooks' training logs (runs/) at http://localhost:6006
	$(PY) -m tensorboard.main --logdir runs

lab: setup  ## open JupyterLab on the notebooks
	$(PY) -m jupyterlab notebooks/

data: setup  ## download the real datasets (GTZAN Music/Speech, MagnaTagATune) and librosa's examples into data/
	PYTHON=$(PY) bash download_datasets.sh all
	$(PY) -c "from utils import examples; examples.fetch_examples()"

bench: setup  ## print the benchmark tables
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:  ## delete build/, results/, runs/ (TensorBoard logs) and caches (never downloaded datasets)
	rm -rf build results runs .pytest_cache data/cache data/features
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean  ## also delete .venv and the generated demo data (never downloaded datasets)
	rm -rf $(VENV) .venv-floors data/demo data/demo-quick
