# bnverify — two commands on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: report test deep bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# (Re)install when the project metadata changes. The oracle extra (torch==2.13.0) comes from the
# machine's local CPU wheel; see README.
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,oracle]'
	touch $(STAMP)

install: $(STAMP)

report: $(STAMP)
	$(PY) -m bnverify report --out reports

test: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider -n 2

deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(PY) -m pytest -p no:cacheprovider -n 2 tests

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build src/*.egg-info
