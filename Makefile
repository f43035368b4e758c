# The two commands of the README. Both create .venv and install requirements.txt first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install test book bench lint clean

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## Unit tests plus every chapter and exercise under nbval, with quick training budgets.
test: $(STAMP)
	RNNCOURSE_QUICK=1 $(PY) -m pytest

## The HTML book with full budgets; fails on any warning or cell error.
book: $(STAMP)
	$(VENV)/bin/jupyter-book build . -W --keep-going

## Speed of the NumPy reference against torch.nn (prints ratios; not a test).
bench: $(STAMP)
	$(PY) benchmarks/bench_reference.py

lint: $(STAMP)
	$(VENV)/bin/ruff check .

clean:
	rm -rf _build .pytest_cache
