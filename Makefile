# One entry point for students' and instructors' machines and CI. Everything installs into .venv.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install test build demo bench bench-grading clean

$(STAMP): pyproject.toml requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt -e '.[instructor,dev]'
	touch $(STAMP)

install: $(STAMP)

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup

build: $(STAMP)
	$(PY) -m autograder build

demo: $(STAMP)
	$(PY) -m autograder demo

bench-grading: $(STAMP)
	$(PY) benchmarks/bench_grading.py

# Every benchmark: prints tables (the README quotes them); no timing is asserted anywhere.
bench: $(STAMP) bench-grading
	$(PY) benchmarks/lab03_part1_mlp.py
	$(PY) benchmarks/lab03_part2_layers.py
	$(PY) benchmarks/lab04_conv.py
	$(PY) benchmarks/lab05_cnn.py
	$(PY) benchmarks/lab06_memory.py
	$(PY) benchmarks/notebook_cost.py lab07_pretrained_models

clean:
	rm -rf build gradebook.db submitted autograded feedback exports reports marking
