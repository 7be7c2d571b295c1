"""The runners, the one orchestrator and the results store (bnverify.verify.runners, .orchestrate, .store).

A 2-worker LocalCluster, shared by the module: the same seed gives the same decisions as
in-process; a worker killed in mid-campaign loses no example (its unit runs again); an interrupted
stored run resumes and decides every unit exactly once; statements from a user theorem folder
travel to workers by value; SIGTERM stops an engine and leaves no worker process behind.

The campaigns run a cheap statement written to a temporary theorem folder (``probe.rho_end``:
ρ_T ≤ 1 after 3 full-GD steps over the standing whitened space — its decisions vary with the
example, so equal records mean equal work), which a worker cannot import by name."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import cloudpickle
import pytest

from bnverify.verify import registry, runners as eng
from bnverify.verify.example import Example
from bnverify.numerics.hyper import Hyper
from bnverify.verify.orchestrate import run_campaign, run_campaigns
from bnverify.verify.planning import Budget, Unit, plan_first
from bnverify.verify.runners import DaskRunner, InlineRunner, runner_for
from bnverify.verify.store import Store

TINY = Path(__file__).parent / "tiny_theorems"

PROBE = '''
import os
from pathlib import Path

from bnverify.verify.space import Param
from bnverify.verify.spaces import standing_whitened, whitened_space
from bnverify.verify.statement import Statement, mutant
from bnverify.regimes.whitened import whitened_hypotheses


class RhoEnd(Statement):
    """rho_T <= 1 after 3 full-GD steps (a probe for the engine tests)."""

    id = "probe.rho_end"
    version = "v1"
    provenance = "exact"
    kind = "upper bound"
    kill_marker = None  # a path: the first process to check an example dies (once, ever)

    def hypotheses(self, inst, hyper):
        return whitened_hypotheses(inst, hyper)

    def horizon(self, inst, hyper, c):
        return 3

    def check(self, traj, c):
        if self.kill_marker is not None and not Path(self.kill_marker).exists():
            Path(self.kill_marker).write_text(str(os.getpid()))
            os._exit(17)
        return self.upper_bound(traj, traj["rho"][-1], 1.0, witness=traj.T)

    def space(self):
        return whitened_space(*standing_whitened(Param.log("H0", 1e-2, 10.0)))


STATEMENTS = [RhoEnd()]
MUTANTS = [mutant(STATEMENTS[0], "bound 1e-3",
                  check=lambda base, traj, c: base.upper_bound(traj, traj["rho"][-1], 1e-3))]
'''


@pytest.fixture(scope="module")
def probe_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("probe_theorems")
    (d / "probe.py").write_text(PROBE)
    return d


@pytest.fixture(scope="module")
def probe(probe_dir):
    (s,) = [s for s in registry.load([probe_dir]) if s.id == "probe.rho_end"]
    return s


@pytest.fixture(scope="module")
def probe_mutant(probe_dir):
    (m,) = [s for s in registry.load([probe_dir], mutants=True) if s.mutant_of == "probe.rho_end@v1"]
    return m


@pytest.fixture(scope="module")
def cluster():
    with DaskRunner(workers=2) as e:
        yield e


def decisions(records):
    return [(r["searcher"], r["index"], r["outcome"], r["slack"], json.dumps(r["example"], sort_keys=True))
            for r in records]


BUDGET = Budget(sweep=24, hunt=12, hunt_restarts=2, chunk=6)


def test_cluster_same_decisions_as_in_process(cluster, probe, probe_mutant):
    inline = run_campaigns([probe, probe_mutant], BUDGET, InlineRunner(), seed=3)
    dask = run_campaigns([probe, probe_mutant], BUDGET, cluster, seed=3)
    assert not cluster.inline and len(cluster.client.scheduler_info()["workers"]) == 2
    for a, b in zip(inline, dask):
        assert a.statement == b.statement
        assert decisions(a.records) == decisions(b.records)
        assert (a.distinct, a.counts, a.tightness_sup) == (b.distinct, b.counts, b.tightness_sup)
    assert decisions(run_campaign(probe, BUDGET, seed=3).records) == decisions(inline[0].records)
    assert inline[0].counts["holds"] > 0 and inline[0].distinct > 30
    assert inline[1].counts["violated"] >= 1  # the mutant is caught (and stops at its first violation)


_FRESH_INLINE = """
import json, sys
from bnverify.verify import registry
from bnverify.verify.planning import Unit
from bnverify.verify.runners import InlineRunner
(probe,) = [s for s in registry.load([sys.argv[1]]) if s.id == "probe.rho_end"]
(recs,) = InlineRunner().run_units([Unit(probe.key, "hypothesis", 0, 8, 3, statement=probe)])
print(json.dumps([(r["searcher"], r["index"], r["outcome"], r["slack"], json.dumps(r["example"], sort_keys=True))
                  for r in recs]))
"""


def test_hypothesis_units_draw_the_same_on_workers_whatever_they_imported(cluster, probe, probe_dir):
    """Hypothesis mixes literals of the process's imported modules into its draws; a worker imports
    each statement's module as its units arrive. The draws depend on neither: a worker draws the
    same before and after it imports other statements (its constants recomputed), and the same as a
    fresh process running the unit in-process."""
    unit = Unit(probe.key, "hypothesis", 0, 8, 3, statement=probe)
    (before,) = cluster.run_units([unit])

    def import_and_forget(name):
        from bnverify.verify import hypothesis_constants as HC

        __import__(name)
        HC._LIBRARY_CONSTANTS = None  # recomputed at the next Hypothesis unit, after the import

    cluster.client.run(import_and_forget, "bnverify.theorems.lemma1_decomposition")
    # the same unit of a copy of the statement with one more attribute it does not read (the statement
    # travels with the unit): a new Dask key, so the unit runs again instead of being served from the
    # cluster's memory
    again = type(probe).__new__(type(probe))
    again.__dict__.update(probe.__dict__, note="again")
    (after,) = cluster.run_units([Unit(probe.key, "hypothesis", 0, 8, 3, statement=again)])
    fresh = subprocess.run([sys.executable, "-c", _FRESH_INLINE, str(probe_dir)], capture_output=True, text=True,
                           timeout=300)
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert [r["searcher"] for r in before] == ["hypothesis"] * 8 and all(r["outcome"] == "holds" for r in before)
    assert decisions(before) == decisions(after)
    assert [list(d) for d in decisions(before)] == json.loads(fresh.stdout.strip().splitlines()[-1])


def test_units_come_back_in_unit_order(cluster, probe):
    units = plan_first(probe, Budget(sweep=30, chunk=3), seed=1)
    out = cluster.run_units(units[::-1])
    assert [rs[0]["index"] for rs in out] == [u.start for u in units[::-1]]


def test_killed_worker_loses_no_example(cluster, probe, tmp_path):
    killer = type(probe).__new__(type(probe))
    killer.__dict__.update(probe.__dict__, kill_marker=str(tmp_path / "killed"))
    before = set(cluster.client.scheduler_info()["workers"])
    got = cluster.run_units(plan_first(killer, Budget(sweep=24, chunk=4), seed=5))
    assert (tmp_path / "killed").exists()  # a worker did die
    want = InlineRunner().run_units(plan_first(probe, Budget(sweep=24, chunk=4), seed=5))
    assert decisions(r for rs in got for r in rs) == decisions(r for rs in want for r in rs)
    assert len([r for rs in got for r in rs]) == 24
    deadline = time.monotonic() + 30
    while len(cluster.client.scheduler_info()["workers"]) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)  # the nanny restarts the killed worker
    assert set(cluster.client.scheduler_info()["workers"]) != before


def test_store_resumes_and_decides_each_unit_once(probe, tmp_path):
    units = plan_first(probe, Budget(sweep=20, chunk=4), seed=2)
    calls = []

    class Interrupt(Exception):
        pass

    def stop_after_two(done, total, unit, records):
        calls.append(unit.id)
        if len(calls) == 2:
            raise Interrupt

    store = Store(tmp_path / "store")
    with pytest.raises(Interrupt):
        InlineRunner().run_units(units, store=store, progress=stop_after_two)
    assert len(store) == 2
    # a write cut short (no newline) is ignored, and the unit it held is redone
    path = store.path(probe.key, "float64")
    with open(path, "a") as f:
        f.write('{"unit": "' + units[2].id + '", "records": [')
    store = Store(tmp_path / "store")
    assert len(store) == 2 and store.skipped_lines == 1 and not store.done(units[2].id)
    ran = []
    out = InlineRunner().run_units(units, store=store,
                                   progress=lambda d, t, u, r: ran.append(u.id if u is not None else None))
    assert ran == [None] + [u.id for u in units[2:]]  # stored units skipped, the rest run once
    again = Store(tmp_path / "store")
    assert all(again.done(u.id) for u in units) and len(again) == len(units)
    assert decisions(again.records(probe.key, "float64")) == decisions(r for rs in out for r in rs)
    fresh = InlineRunner().run_units(units)
    assert decisions(r for rs in out for r in rs) == decisions(r for rs in fresh for r in rs)
    n_lines = len(path.read_text().splitlines())
    InlineRunner().run_units(units, store=again)
    assert len(path.read_text().splitlines()) == n_lines  # nothing decided twice


def test_run_campaigns_from_a_store_equals_a_fresh_run(probe, tmp_path):
    b = Budget(sweep=12, hunt=8, hunt_restarts=2, chunk=4)
    first = run_campaigns([probe], b, InlineRunner(), Store(tmp_path / "s"), seed=4)
    ran = []
    second = run_campaigns([probe], b, InlineRunner(), Store(tmp_path / "s"), seed=4,
                           progress=lambda d, t, u, r: ran.append(u))
    assert ran == [None, None, None]  # the three phases (search, hunt, certification) came from the store
    assert decisions(first[0].records) == decisions(second[0].records)
    assert first[0].certification == second[0].certification


def test_user_folder_statement_pickles_by_value(tmp_path):
    stmts = [s for s in registry.load([TINY]) + registry.load([TINY], mutants=True) if s.id.startswith("tiny.")]
    assert len(stmts) == 6 and all(type(s).__module__.startswith(eng.USER_MODULE_PREFIX) for s in stmts)
    blob = cloudpickle.dumps([eng.pickle_statement(s) for s in stmts])
    ex = Example.make("whitened_regression", Hyper(H0=1.0, rho0=0.1, eta_gamma=0.5, gamma0_over_a=0.8),
                      n=5, d=2, seed=0)
    script = textwrap.dedent("""
        import sys, cloudpickle
        from bnverify.verify.adjudicate import decide
        assert not any(m.startswith("bnverify_theorems_") for m in sys.modules)
        blobs, ex = cloudpickle.loads(sys.stdin.buffer.read())
        for b in blobs:
            s = cloudpickle.loads(b)
            print(s.key, decide(s, ex).outcome)
    """)
    out = subprocess.run([sys.executable, "-c", script], input=cloudpickle.dumps((cloudpickle.loads(blob), ex)),
                         capture_output=True, cwd=tmp_path, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    got = dict(line.rsplit(" ", 1) for line in out.stdout.decode().splitlines())
    assert got["tiny.true@v1"] == "holds" and got["tiny.false@v1"] == "violated"
    assert got["tiny.picky@v1"] == "vacuous" and got["tiny.broken@v1"] == "error"
    assert got["tiny.true@v1+mutant:bound set to -1"] == "violated"  # a mutant whose transform is a lambda


def test_inline_and_bad_arguments():
    assert runner_for(workers=1).inline and runner_for(scheduler="inline").inline and not runner_for(workers=2).inline
    with pytest.raises(ValueError, match="workers"):
        DaskRunner(workers=0)
    with pytest.raises(ValueError, match="store: not a directory"):
        Store(TINY / "tiny.py")


SIGTERM_SCRIPT = """
import os, sys, psutil
from bnverify.verify.planning import Budget, plan_first
from bnverify.verify.registry import load
from bnverify.verify.runners import DaskRunner

if __name__ == "__main__":
    (s,) = [s for s in load([sys.argv[1]]) if s.id == "probe.rho_end"]
    with DaskRunner(workers=2) as e:
        kids = [p.pid for p in psutil.Process().children(recursive=True)]
        print("PIDS", *kids, flush=True)
        e.run_units(plan_first(s, Budget(sweep=10**6, chunk=10**5)))
"""


def test_sigterm_stops_the_cluster_and_leaves_no_worker(probe_dir, tmp_path):
    import psutil

    script = tmp_path / "run.py"
    script.write_text(SIGTERM_SCRIPT)
    p = subprocess.Popen([sys.executable, str(script), str(probe_dir)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        line = p.stdout.readline().decode()
        assert line.startswith("PIDS"), p.stderr.read().decode()
        kids = [int(x) for x in line.split()[1:]]
        assert len(kids) >= 2
        time.sleep(1.0)
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=30)
        stopped = time.monotonic() - t0
    finally:
        if p.poll() is None:
            p.kill()

    def alive():
        out = []
        for k in kids:
            try:
                if psutil.Process(k).status() != psutil.STATUS_ZOMBIE:
                    out.append(k)
            except psutil.NoSuchProcess:
                pass
        return out

    deadline = time.monotonic() + 10  # the resource tracker and workers notice their parent is gone
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(), f"orphan processes {[(k, psutil.Process(k).cmdline()[:4]) for k in alive()]}"
    assert stopped < 15, f"took {stopped:.1f} s to stop"


PINNED_PROBE = PROBE.replace("STATEMENTS = [RhoEnd()]", """_sp = RhoEnd().space()
RhoEnd.pinned = [_sp.build(dict(_sp.values([0.5] * _sp.dim)))]  # one known case, decided first
STATEMENTS = [RhoEnd()]""")


def test_deep_run_summary_from_its_store(tmp_path):
    """``bnverify deep``: a run records its wall time beside the store, and
    ``--from-store`` writes the same table from the store alone (an interrupted run's summary),
    pinned examples included (their unit has no seed)."""
    thms = tmp_path / "thms"
    thms.mkdir()
    (thms / "pinned_probe.py").write_text(PINNED_PROBE)
    from bnverify.cli import main

    args = ["deep", "--store", str(tmp_path / "store"), "--theorems", str(thms), "--statement", "probe.rho_end",
            "--hypothesis", "0", "--sweep", "8", "--hunt", "4", "--hunt-restarts", "2", "--chunk", "4", "--seed", "3",
            "--scheduler", "inline"]
    assert main(args + ["--summary", str(tmp_path / "run.md")]) == 0
    runs = json.loads((tmp_path / "store" / "runs.json").read_text())
    assert len(runs) == 1 and runs[0]["completed"] and runs[0]["units_after"] > runs[0]["units_before"] == 0
    assert main(args + ["--summary", str(tmp_path / "again.md"), "--from-store"]) == 0
    table = lambda p: [ln for ln in Path(p).read_text().split("## Tightness sups")[0].splitlines()  # noqa: E731
                       if ln.startswith("| `")]
    assert table(tmp_path / "run.md") == table(tmp_path / "again.md") and len(table(tmp_path / "run.md")) == 1
    assert "Partial" not in (tmp_path / "again.md").read_text()


def test_a_hunt_runs_with_make_deeps_seed(probe):
    """CMA-ES seeds numpy's legacy generator (seeds < 2**32): ``make deep``'s --seed 20261201 made
    every hunt raise 'Seed must be between 0 and 2**32 - 1' (the deep run stopped at its hunts)."""
    from bnverify.verify.searchers import cma_seed, run_unit

    unit = Unit(probe.key, "hunt", 3, 12, 20261201)
    assert 1 <= cma_seed(unit) < 2**32 and cma_seed(Unit(probe.key, "hunt", 3, 12, 0)) == 4  # small seeds as before
    recs = run_unit(unit, probe)
    assert recs and all(r["searcher"] == "hunt" and r["outcome"] == "holds" for r in recs)
