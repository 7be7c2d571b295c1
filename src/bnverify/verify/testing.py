"""pytest glue: one call per statement test and per mutant test, with failure messages that show
the statement, the counterexample's parameters, every precision's verdict, and a one-line
command that reproduces it. Results are also kept in :data:`RESULTS` for the session summary."""
from __future__ import annotations

import json
from pathlib import Path

from bnverify.verify.campaign import CampaignResult, decisive, falsify
from bnverify.verify.registry import load

RESULTS: list[CampaignResult] = []


def find(key: str, *, mutants: bool = False):
    pool = load(mutants=mutants)
    for s in pool:
        if s.answers_to(key) or (s.id == key and not mutants):
            return s
    raise LookupError(f"no {'mutant' if mutants else 'statement'} {key!r}; known: {[s.key for s in pool]}")


def reproduce_command(key: str, example: dict, source_file: str | None = None) -> str:
    """The command that re-runs ``example``; with ``--theorems DIR`` when the statement's
    ``source_file`` lies outside the shipped theorems (a user's folder: unknown id without it)."""
    import shlex

    from bnverify.verify import registry

    folder = Path(source_file).resolve().parent if source_file else None
    theorems = f" --theorems {shlex.quote(str(folder))}" if folder and folder != registry.DEFAULT_DIR.resolve() else ""
    return f"bnverify reproduce '{key}'{theorems} --params '{json.dumps(example, sort_keys=True)}'"


def describe_counterexample(key: str, ce: dict, source_file: str | None = None) -> str:
    lines = [f"  example: {json.dumps(ce['example'], sort_keys=True)}",
             "  certified by ball arithmetic and confirmed by mpmath" if ce.get("certified") else
             f"  not certified ({ce.get('arb') or 'balls not run'}); confirmed by mpmath"]
    for prec, v in ce["verdicts"].items():
        lines.append(f"    {prec:>20}: {v['status']:<9} observed={v['observed']} bound={v['bound']} "
                     f"slack={v['slack']} witness t={v['witness']} {v['message']}")
    lines.append(f"  reproduce: {reproduce_command(key, ce['example'], source_file)}")
    return "\n".join(lines)


def check_statement(key: str, backend: str = "float64", *, max_examples=None, searcher: str = "hypothesis",
                    stmt=None) -> CampaignResult:
    """Falsification run over the statement's declared space; fails on a confirmed violation, on an
    example that raised, or when no decided example met the hypotheses (vacuous). A statement with a
    recorded refutation (``known_false``) must stay refuted. (The share of draws meeting the
    hypotheses is reported, not required: draws cover the whole region, coverage is the goal.)"""
    stmt = stmt if stmt is not None else find(key)
    res = falsify(stmt, backend=backend, max_examples=max_examples, searcher=searcher)
    RESULTS.append(res)
    assert not res.errors, (f"{stmt.key} [{res.backend}]: {len(res.errors)} example(s) raised; first:\n"
                            f"  example: {json.dumps(res.errors[0]['example'], sort_keys=True)}\n"
                            f"{res.errors[0]['traceback']}")
    met = res.examples - res.counts.get("vacuous", 0) - res.counts.get("error", 0)
    assert met > 0, (f"{stmt.key} [{res.backend}]: VACUOUS — no draw met the hypotheses in {res.examples} draws "
                     f"(counts {res.counts})")
    assert decisive(res.counts, res.artefacts) > 0, (
        f"{stmt.key} [{res.backend}]: NOTHING DECIDED — {met} draws met the hypotheses but none "
        f"was decided (counts {res.counts}): precision artefacts and undecided draws are not a pass")
    known = getattr(stmt, "known_false", None)
    if known:
        assert res.counterexamples or getattr(stmt, "pinned", ()), \
            f"{stmt.key}: recorded as refuted ({known}) but no counterexample was found"
        return res
    if res.counterexamples:
        body = "\n".join(describe_counterexample(stmt.key, c, getattr(stmt, "source_file", None))
                         for c in res.counterexamples[:5])
        raise AssertionError(
            f"{stmt.key} ({stmt.reference}) VIOLATED in {len(res.counterexamples)} of {res.met} examples "
            f"[{res.backend} primary]:\n{body}")
    return res


def check_mutant_caught(mutant_key: str, backend: str = "float64", *, max_examples=None, searcher: str | None = None,
                        stmt=None) -> CampaignResult:
    """A deliberately false variant must be refuted by a search of the same space (``searcher``:
    default the mutant's own ``searcher`` attribute — the hunt for needles — else Hypothesis)."""
    m = stmt if stmt is not None else find(mutant_key, mutants=True)
    searcher = searcher or getattr(m, "searcher", None) or "all"
    n = max_examples if max_examples is not None else getattr(m, "ci_budget", None)
    res = falsify(m, backend=backend, max_examples=n, searcher=searcher)
    RESULTS.append(res)
    assert res.counterexamples, (
        f"mutant {m.key} ({m.mutation}) was NOT caught by the {searcher} searcher in {res.examples} examples "
        f"({res.met} met): the check cannot fail this way")
    return res
