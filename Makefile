# bnverify — two commands on a fresh machine: `make report` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

LOCK   := requirements.lock

.PHONY: report test deep proofs bench install lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# (Re)install when the project metadata or the lock changes: every dependency (runtime, test and
# oracle extras) at the version the lock pins, then the project itself without resolving again.
# The oracle's torch==2.13.0+cpu comes from the machine's local CPU wheel (or the PyTorch CPU
# index); see README.
$(STAMP): $(PY) pyproject.toml $(LOCK)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# Regenerate the lock after changing the dependencies in pyproject.toml (pip-compile keeps the
# versions the lock already pins; LOCK_FLAGS=--upgrade moves everything to the newest, and
# LOCK_FLAGS='-P hypothesis==X' one package). The committed lock was made with
# -P hypothesis==6.170.17 -P pandas==3.1.1: the versions reports/results.json records.
LOCK_FLAGS ?=
lock: $(PY)
	$(PY) -m pip install --quiet pip-tools==7.7.0
	$(PY) -m piptools compile --quiet --extra test --extra oracle --strip-extras --allow-unsafe \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_FLAGS) -o $(LOCK) pyproject.toml

report: $(STAMP)
	$(PY) -m bnverify report --out reports

# the linter first (pyproject [tool.ruff]: lines of at most 120 characters, no unused imports), then the tests
test: $(STAMP)
	$(PY) -m ruff check --no-cache .
	$(PY) -m pytest -p no:cacheprovider -n 2

# Every statement with a declared space (and every mutant) at issue 19's depth: 10,000 float64 draws per statement
# split as the report's, 100,000 per screened reduced-recurrence statement (planning.deep_budget; a statement whose
# examples cost seconds declares a smaller deep_scale, shown on its row), through `bnverify deep` on the Dask
# runner (embedded LocalCluster; BNVERIFY_SCHEDULER=ADDRESS for a running cluster) into a resumable store: an
# interrupted `make deep` resumes where it stopped, and `make deep DEEP_FLAGS=--from-store` writes the summary of
# what the store holds without deciding anything. DEEP_ARGS overrides the budget (--hypothesis/--sweep/--hunt/--chunk
# for one budget for every statement).
DEEP_ARGS ?= --examples 10000 --reduced-examples 100000 --hunt-restarts 8 --seed 20261201
DEEP_FLAGS ?=
deep: $(STAMP)
	HYPOTHESIS_PROFILE=deep $(PY) -m bnverify deep --store reports/deep/store --summary reports/deep/SUMMARY.md --mutants $(DEEP_ARGS) $(DEEP_FLAGS)

# Prove the shipped region claims (interval branch and bound, `bnverify prove`) and refute their
# mutants with boxes; certificates, their re-check and summary.json go to reports/certificates/, which
# `make report` keeps and shows in its "Proved over whole boxes" section (about 2 minutes).
proofs: $(STAMP)
	$(PY) -m bnverify.report.proofs --out reports/certificates

bench: $(STAMP)
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build src/*.egg-info
