# `make demo` and `make test` each create .venv when it is missing and install
# fairmas into it (editable); nothing has to be installed by hand first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# one stamp per set of extras, remade when pyproject.toml changes
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m pip install --quiet --no-deps 'fairpyx==0.1'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/fairmas compare instances/six_agents_two_teams.yaml --objective min_cut_partition
	$(BIN)/fairmas compare instances/six_agents_two_teams.yaml --objective min_cut_partition --param relation=trust_utility

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_min_cut.py
	$(BIN)/python benchmarks/bench_highs_interfaces.py
	$(BIN)/python benchmarks/bench_trust.py
	$(BIN)/python benchmarks/bench_csg.py
	$(BIN)/python benchmarks/bench_graph_game.py
	$(BIN)/python benchmarks/bench_allocation.py
	$(BIN)/python benchmarks/bench_leximin.py
	$(BIN)/python benchmarks/bench_games.py
	$(BIN)/python benchmarks/bench_constraints.py
	$(BIN)/python benchmarks/bench_sweep.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis build *.egg-info

# the example page of the README's report section and its screenshots docs/report*.png
# (needs Debian's chromium: apt-get install chromium)
.PHONY: report-example
REPORT_EXAMPLE := build/report-example
report-example: $(VENV)/.installed-dev
	mkdir -p $(REPORT_EXAMPLE)
	$(BIN)/fairmas compare instances/fairness/lab_equipment.yaml --objective all --out $(REPORT_EXAMPLE)/lab_equipment.json > /dev/null
	$(BIN)/fairmas compare instances/research_lab.yaml --objective min_cut_partition --param k=3 --out $(REPORT_EXAMPLE)/research_lab.json > /dev/null
	$(BIN)/fairmas compare instances/games/prisoners_dilemma_network.yaml --objective all --out $(REPORT_EXAMPLE)/dilemma.json > /dev/null
	$(BIN)/fairmas report $(REPORT_EXAMPLE)/lab_equipment.json $(REPORT_EXAMPLE)/research_lab.json $(REPORT_EXAMPLE)/dilemma.json tests/data/sweep_results.csv \
		--instance instances/fairness/lab_equipment.yaml --instance instances/research_lab.yaml \
		--instance instances/games/prisoners_dilemma_network.yaml \
		--title "fairmas report: lab equipment, research lab, prisoner's dilemma, a demo sweep" \
		--out $(REPORT_EXAMPLE)/report.html
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
		--user-data-dir=$(CURDIR)/$(REPORT_EXAMPLE)/profile --window-size=1280,2000 \
		--screenshot=$(CURDIR)/docs/report.png file://$(CURDIR)/$(REPORT_EXAMPLE)/report.html
	$(BIN)/python -m tests.devtools $(REPORT_EXAMPLE)/report.html docs/report_figures.png utilities 2200
	$(BIN)/python -m tests.devtools $(REPORT_EXAMPLE)/report.html docs/report_coalitions.png coalitions 1500
