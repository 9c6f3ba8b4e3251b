# Two commands do all set-up on a fresh machine (Python 3.11+):
#   make run   - create .venv, install the app, start it on http://localhost:8501
#   make test  - create .venv, install app + test tools, run ruff and the whole test suite
# Browser tests need Debian's chromium (apt-get install -y chromium); .ci/run installs it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench install install-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt $(VENV)/.app-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.app-installed
install-dev: $(VENV)/.dev-installed

run: install
	$(BIN)/python -m streamlit run app.py

# The tests that need no browser run in two worker processes (pytest-xdist, one file per worker at a
# time); the browser tests, which each drive a server, run after them one at a time.
test: install-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -v -rA --durations=20 -n 2 --dist loadfile -m "not browser"
	$(BIN)/python -m pytest -v -rA --durations=15 -m browser

bench: install-dev
	$(BIN)/python -m bench
