# Sequence Studio -- `make run` opens the app, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

export TF_CPP_MIN_LOG_LEVEL ?= 2
export TF_ENABLE_ONEDNN_OPTS ?= 0

.PHONY: run test lint bench package package-test wheel wheel-test lock clean venv

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) main.py

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

package: $(STAMP)
	$(PY) packaging/build.py

package-test: package
	bash packaging/smoke_test.sh

# The Python package: sdist and wheel in dist/; wheel-test builds its own, installs it into a new venv
# outside the checkout and runs the installed commands there (packaging/wheel_test.sh).
wheel: $(STAMP)
	$(PY) -m build --outdir dist .

wheel-test: $(STAMP)
	bash packaging/wheel_test.sh

# Re-resolve the newest versions allowed by pyproject.toml and record them.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e ".[dev]"
	{ echo '# Exact versions tested together; make installs with "-c constraints.txt".'; \
	  echo '# Refresh with: make lock'; \
	  .venv-lock/bin/pip freeze --exclude-editable; } > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf build dist .pytest_cache
