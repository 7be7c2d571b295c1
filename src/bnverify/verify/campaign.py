"""Campaign results and the in-process campaign of the pytest plugin.

:class:`CampaignResult`: counts per outcome, hypotheses-met rate, smallest slack, tightness samples,
*every* counterexample, coverage and per-searcher detail of one (statement, precision) campaign
(built from its records by :func:`bnverify.verify.summary.campaign_result`). ``falsify(stmt, backend=…)``
runs the statement's pinned examples, then ``max_examples`` draws of one searcher (or of all three)
through the one orchestrator (:mod:`bnverify.verify.orchestrate`), in this process. No global state:
a campaign is a pure function of (statement, settings, seed).

Hypothesis profiles (also registered for pytest by ``tests/conftest.py``):
``ci`` (derandomised, no database; the default), ``dev`` and ``deep`` (≥ 10,000 examples per
statement, targeted). ``HYPOTHESIS_PROFILE`` selects one.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings

from bnverify.verify.adjudicate import OUTCOMES
from bnverify.numerics.backends import get_backend
from bnverify.verify.statement import Statement

DECIDED = ("holds", "violated", "artefact")


def certified_artefacts(artefacts) -> int:
    """Artefacts (decision dicts) whose refutation is a ball certificate: the claim proved there."""
    return sum(1 for a in artefacts or () if a.get("certified"))


def decisive(counts: dict, artefacts) -> int:
    """Examples that decide a statement: holds, violated, and artefacts whose refutation is certified
    (a decided example of the higher precision); vacuous, undecided, uncertified artefacts and raising
    examples decide nothing — a statement with none is not a pass (``check``, ``report``, pytest)."""
    return counts.get("holds", 0) + counts.get("violated", 0) + certified_artefacts(artefacts)


def record_certified(r: dict) -> bool:
    """Whether a search record's outcome rests on a certificate: its decision says so, or (records of
    a "holds", which keep only the final verdict) the final verdict is a certified ball verdict."""
    if "certified" in r:  # re-decided up the ladder in phase 3 (bnverify.verify.summary.apply_certificates)
        return bool(r["certified"])
    dec = r.get("decision")
    if dec is not None:
        return bool(dec.get("certified"))
    return bool((r.get("final") or {}).get("certified"))


# examples per statement per precision: (float64, mpmath)
PROFILE_EXAMPLES = {"ci": (25, 4), "dev": (200, 20), "deep": (10_000, 200)}

_COMMON = dict(database=None, deadline=None, print_blob=False,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                      HealthCheck.data_too_large])
def hypothesis_home() -> str:
    """Where Hypothesis keeps its files (its cache of constants; the example database is off):
    ``HYPOTHESIS_STORAGE_DIRECTORY`` when set, else ``$XDG_CACHE_HOME/bnverify/hypothesis``
    (``~/.cache/…``) — never ``.hypothesis/`` in the current directory. Set in the environment too,
    so every worker process started from here uses it."""
    from pathlib import Path

    from hypothesis.configuration import set_hypothesis_home_dir

    home = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bnverify" / "hypothesis")
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = home
    set_hypothesis_home_dir(home)
    return home


hypothesis_home()
settings.register_profile("ci", derandomize=True, max_examples=PROFILE_EXAMPLES["ci"][0], **_COMMON)
settings.register_profile("dev", max_examples=PROFILE_EXAMPLES["dev"][0], **_COMMON)
settings.register_profile("deep", max_examples=PROFILE_EXAMPLES["deep"][0], **_COMMON)


def profile_name() -> str:
    return os.environ.get("HYPOTHESIS_PROFILE", "ci")


def default_examples(backend, profile: str | None = None) -> int:
    f64, mp = PROFILE_EXAMPLES[profile or profile_name()]
    return f64 if get_backend(backend).name == "float64" else mp


@dataclass
class CampaignResult:
    statement: str
    describe: dict
    backend: str
    examples: int = 0
    counts: dict = field(default_factory=lambda: {k: 0 for k in OUTCOMES})
    slacks: list = field(default_factory=list)  # final slack of every decided example
    tightness: list = field(default_factory=list)  # observed/bound where both exist
    counterexamples: list = field(default_factory=list)  # Decision.to_dict() of violations
    artefacts: list = field(default_factory=list)
    first_violation_at: int | None = None  # examples-to-detection (1-based)
    seconds: float = 0.0
    seed: int | None = None
    profile: str = ""
    # --- the search's evidence (bnverify.verify.summary.campaign_result) ---
    distinct: int = 0  # distinct decided examples (by the decisive parameters), searchers' draws only
    duplicates: int = 0  # draws repeating a case already drawn (never counted as evidence)
    pinned_decided: int = 0  # pinned examples decided (shown apart)
    coverage: dict | None = None  # bnverify.verify.space.coverage of the examples that met the hypotheses
    tightness_sup: dict | None = None  # {value, searcher, values, example, slack}
    tightest: dict | None = None  # the decided example of smallest slack
    first_caught_by: str | None = None
    per_searcher: dict = field(default_factory=dict)
    unmet_reasons: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # examples whose decision raised, with tracebacks
    space: list = field(default_factory=list)  # the declared parameters (text)
    covered_params: list = field(default_factory=list)  # [{name, scale}] counted in coverage
    region: str = ""
    budget: dict | None = None
    records: list = field(default_factory=list)  # every draw (plain data), for figures and stores
    certification: dict | None = None  # summary.apply_certificates: policy, screened, tightest, sample, overturned
    error: str | None = None  # the campaign raised (orchestrate.failed_result): the message …
    error_traceback: str | None = None  # … and the traceback
    failure: object = field(default=None, repr=False, compare=False)  # runners.UnitFailed (in-process: the exception)

    @property
    def met(self) -> int:
        return self.examples - self.counts["vacuous"]

    @property
    def met_rate(self) -> float:
        return self.met / self.examples if self.examples else 0.0

    @property
    def min_slack(self):
        finite = [s for s in self.slacks if s is not None and math.isfinite(s)]
        return min(finite) if finite else None

    @property
    def decided(self) -> int:
        """Examples whose verdict the ladder settled: holds, violated, artefact (the float64 verdict
        refuted) — duplicates and pinned examples included, like ``counts``."""
        return sum(self.counts.get(k, 0) for k in DECIDED)

    @property
    def certified(self) -> int:
        """Decided examples whose outcome rests on a ball-arithmetic certificate
        (``Decision.certified``: a certified holds / artefact, or a certified violation mpmath confirms)."""
        return sum(1 for r in self.records if r.get("outcome") in DECIDED and record_certified(r))

    @property
    def certified_share(self) -> float | None:
        return self.certified / self.decided if self.decided else None

    @property
    def vacuous(self) -> bool:
        """No example met the hypotheses: the run says nothing."""
        return self.met == 0

    def row(self) -> dict:
        ms = self.min_slack
        return dict(statement=self.describe["id"], version=self.describe["version"],
                    provenance=self.describe["provenance"], backend=self.backend,
                    examples=self.examples, met=self.met, met_rate=round(self.met_rate, 3),
                    **{k: v for k, v in self.counts.items() if k != "error"}, raised=self.counts.get("error", 0),
                    min_slack=ms, certified=self.certified, decided=self.decided, seconds=round(self.seconds, 2))

    def to_dict(self, *, records: bool = False) -> dict:
        d = dict(self.row(), describe=self.describe, counterexamples=self.counterexamples,
                 artefacts=self.artefacts, slacks=self.slacks, tightness=self.tightness,
                 first_violation_at=self.first_violation_at, seed=self.seed, profile=self.profile,
                 distinct=self.distinct, duplicates=self.duplicates, pinned_decided=self.pinned_decided,
                 coverage=self.coverage, tightness_sup=self.tightness_sup, tightest=self.tightest,
                 first_caught_by=self.first_caught_by, per_searcher=self.per_searcher,
                 unmet_reasons=sorted(([k, v] for k, v in self.unmet_reasons.items()), key=lambda kv: -kv[1])[:10],
                 errors=self.errors, space=self.space, covered_params=self.covered_params, region=self.region,
                 budget=self.budget,
                 certification=self.certification)
        if self.error is not None:
            d.update(error=self.error, error_traceback=self.error_traceback)
        if records:
            d["records"] = self.records
        return d


def falsify(stmt: Statement, *, backend="float64", max_examples: int | None = None, seed: int | None = None,
            profile: str | None = None, searcher: str = "hypothesis", certify: str = "doubtful") -> CampaignResult:
    """Search for counterexamples to ``stmt`` at the primary precision ``backend`` with ``searcher``
    (``hypothesis`` by default; ``sweep``; ``hunt``; ``sweep+hunt``; ``all``: the three at
    :meth:`~bnverify.verify.planning.Budget.split`) over the statement's declared space, in this
    process through :func:`bnverify.verify.orchestrate.run_campaign`; pinned examples first."""
    from bnverify.verify.orchestrate import run_campaign
    from bnverify.verify.planning import Budget

    profile = profile or profile_name()
    bk = get_backend(backend)
    if max_examples is not None:
        n = max_examples
    else:  # the profile's count, scaled down for statements whose examples cost seconds (not for
        n0 = default_examples(bk, profile)  # mutants: each searcher stops at its first violation)
        scale = 1.0 if stmt.is_mutant else float(getattr(stmt, "search_scale", 1.0))
        n = max(3 if bk.name != "float64" else 4, int(round(n0 * scale)))
    focus = searcher == "all" and bool(stmt.space().focus_regions)
    budget = Budget.for_search(searcher, n, focus=focus, certify=certify)
    return run_campaign(stmt, budget, seed=seed, backend=bk.name, profile=profile)
