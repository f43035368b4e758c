# The README's two commands, `make book` and `make test`, do all set-up themselves:
# they create .venv and install requirements.txt (and Chromium for the browser test).
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# OpenBLAS threads cost more than they save on the course's small matrices (measured: 11x
# slower char-RNN training steps with 2 threads on a busy 2-core machine).
export OPENBLAS_NUM_THREADS ?= 1
NOTEBOOKS_OUT ?= _build/notebooks

.PHONY: install chromium test book bench gpu-record notebooks lint clean

$(STAMP): requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## Debian's Chromium for the browser test (skipped, visibly, where it cannot be installed).
chromium:
	@command -v chromium >/dev/null 2>&1 || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  echo "note: could not install Chromium; the browser test will be skipped"

## Unit tests, every chapter and exercise under nbval (quick training budgets), and the
## browser test of the built book when one exists.
test: $(STAMP) chromium
	RNNCOURSE_QUICK=1 $(PY) -m pytest

## The HTML book with full budgets; fails on any warning or cell error.
book: $(STAMP)
	RNNCOURSE_BOOK_BUILD=1 $(VENV)/bin/jupyter-book build . -W --keep-going

## Speed against torch.nn, same process (prints ratios; not a test): the NumPy reference,
## then the PyTorch LSTM levels (several minutes).
bench: $(STAMP)
	$(PY) benchmarks/bench_reference.py
	$(PY) benchmarks/bench_torch_lstm.py

## The GPU figures the chapters show, each in $(GPU_RESULTS)/ with device, date, versions and
## command: stops at once without CUDA; then the CUDA tests, the chapter-8 LSTM levels against
## cuDNN, the chapter-9 GPU configuration of the character LM, and the Part V scans against
## the step loop and cuDNN's GRU. Budgets are meant to fit 10 minutes on one modern GPU.
GPU_RESULTS ?= benchmarks/results
gpu-record: $(STAMP)
	$(PY) benchmarks/require_cuda.py
	$(PY) -m pytest -m cuda tests
	$(PY) benchmarks/bench_torch_lstm.py --device cuda --sweep-reps 3 \
	  --json $(GPU_RESULTS)/lstm_gpu.json
	$(PY) -m rnncourse train --device cuda --layers 2 --hidden 512 --dropout 0.2 --batch 128 \
	  --seq 128 --steps 5000 --lr 2e-3 --eval-every 500 --save artifacts/char_lm_gpu.pt \
	  --json $(GPU_RESULTS)/char_lm_gpu.json
	$(PY) benchmarks/bench_scan.py --device cuda --json $(GPU_RESULTS)/scan_gpu.json

## .ipynb copies of chapters and exercises (for Colab), with a set-up cell, in $(NOTEBOOKS_OUT).
notebooks: $(STAMP)
	$(PY) -c "import glob, sys; from rnncourse.notebooks import export_notebooks; \
	  print(*export_notebooks(sorted(glob.glob('chapters/*.md') + glob.glob('exercises/*.md')), \
	  '$(NOTEBOOKS_OUT)'), sep='\n')"

## Style and types: ruff over the whole repository, mypy over the package (settings in
## pyproject.toml). CI runs this first; .pre-commit-config.yaml runs it before each commit.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

clean:
	rm -rf _build .pytest_cache
