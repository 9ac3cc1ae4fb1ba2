# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
UV := $(VENV)/bin/uv
BIN := $(VENV)/bin
DEMO_DIR ?= data/demo
DEMO_EMPLOYEES ?= 5000

.PHONY: install demo test lint typecheck-tests format bench docs clean browser minimal i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==0.13.9

# uv.lock pins every package; --inexact keeps uv itself in the venv. Development installs
# every extra (web, postgres, letters, spark, dev, bench); a deployment picks its own.
# --compile-bytecode: Python then loads every module from bytecode instead of compiling
# its source on each start (several seconds a run where PYTHONDONTWRITEBYTECODE is set);
# pip does the same for an ordinary install.
install: $(BIN)/python
	$(UV) sync --frozen --inexact --all-extras --compile-bytecode
	$(BIN)/python -m compileall -q src >/dev/null

demo: install
	$(BIN)/headcount demo --employees $(DEMO_EMPLOYEES) --dir $(DEMO_DIR)

# Debian's chromium drives the browser tests; Playwright's own browser download is blocked.
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)
	@# WeasyPrint (notice letters as PDF) loads Pango through ctypes.
	@ldconfig -p | grep -q libpangoft2-1.0.so.0 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0)

test: install browser
	$(BIN)/pytest -n 2 --dist loadfile --durations=25

lint: install
	$(BIN)/ruff check src tests benchmarks tools examples
	$(BIN)/ruff format --check src tests benchmarks tools examples
	$(BIN)/mypy
	$(MAKE) typecheck-tests

# The tests, benchmarks, tools and examples, by tests/mypy.ini (see tools/typecheck_tests.py).
typecheck-tests: install
	$(BIN)/python tools/typecheck_tests.py

format: install
	$(BIN)/ruff format src tests benchmarks tools examples
	$(BIN)/ruff check --fix src tests benchmarks tools examples

# The base install alone (no extras, no dev tools) in a venv of its own: verify must run,
# and a command that needs an extra must say which, as a user without it would see.
MINIMAL := .minimal
minimal: install
	rm -rf $(MINIMAL) && $(PYTHON) -m venv $(MINIMAL)
	$(UV) export --frozen --no-dev --no-emit-project --no-hashes --quiet > $(MINIMAL)/requirements.txt
	$(UV) pip install --quiet --python $(MINIMAL)/bin/python -r $(MINIMAL)/requirements.txt
	$(UV) pip install --quiet --python $(MINIMAL)/bin/python --no-deps .
	$(MINIMAL)/bin/python tools/check_minimal.py $(MINIMAL)

# The message catalogues (docs/checkins.md, "Languages"): extract the messages from the code
# and templates, merge them into each language's .po (new ones empty, changed ones fuzzy),
# then compile the .mo files kept beside them. tests/checkins/test_checkin_i18n.py fails
# while any of this is out of date or a message has no translation.
LOCALE := src/headcount/locale
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -c Translators: --no-location --sort-output \
		--project headcount --copyright-holder "headcount contributors" -o $(LOCALE)/headcount.pot .
	$(BIN)/pybabel update -i $(LOCALE)/headcount.pot -d $(LOCALE) -D headcount --ignore-obsolete \
		--ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(LOCALE) -D headcount --statistics

docs: install
	$(BIN)/headcount rules --markdown > docs/rules.md

bench: install
	$(BIN)/python benchmarks/verify_bench.py
	$(BIN)/python benchmarks/linkage_bench.py

clean:
	rm -rf $(VENV) data results .pytest_cache .mypy_cache .ruff_cache
