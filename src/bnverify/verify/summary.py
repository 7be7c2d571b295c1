"""Records → :class:`~bnverify.verify.campaign.CampaignResult`: distinct examples, coverage, tightness
sup and where it is attained, counterexamples, per-searcher detail, and phase 3's certificates applied
to the draws they re-decided (with the certified share's Clopper–Pearson bound)."""
from __future__ import annotations

import re
from dataclasses import asdict

from bnverify.numerics.backends import get_backend
from bnverify.verify.campaign import DECIDED, CampaignResult, record_certified
from bnverify.verify.planning import Budget
from bnverify.verify.space import coverage

SEARCH_ORDER = {"pinned": 0, "hypothesis": 1, "sweep": 2, "focus": 3, "hunt": 4}
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def campaign_result(stmt, records: list[dict], *, backend="float64", seed=None, budget: Budget | None = None,
                    profile: str = "") -> CampaignResult:
    """One statement's records (any searchers, any order) as a CampaignResult."""
    space = stmt.space()
    bk = get_backend(backend)
    res = CampaignResult(stmt.key, stmt.describe(), bk.name, seed=seed, profile=profile)
    records, res.certification = apply_certificates(records, budget)
    res.space = space.describe()
    res.covered_params = [dict(name=p.name, scale=p.scale) for p in space.covered()]
    res.region = space.region
    records = sorted(records, key=lambda r: (SEARCH_ORDER.get(r["searcher"], 9), r["index"]))
    seen_keys: dict[tuple, int] = {}
    met_points: list[dict] = []
    per: dict[str, dict] = {}
    best = None
    for r in records:
        s = r["searcher"]
        p = per.setdefault(s, dict(draws=0, distinct=0, met=0, violated=0, first_violation_at=None,
                                   tightness_sup=None, min_slack=None, rejected=0, errors=0))
        p["draws"] += 1
        res.examples += 1
        out = r["outcome"]
        res.counts[out] = res.counts.get(out, 0) + 1
        if out == "vacuous":
            p["rejected"] += 1
            for u in r.get("unmet", [])[:1]:
                res.unmet_reasons[_NUMBER.sub("#", u)] = res.unmet_reasons.get(_NUMBER.sub("#", u), 0) + 1
        if out == "error":
            p["errors"] += 1
            res.errors.append(dict(searcher=s, example=r["example"], traceback=r.get("decision", {}).get("error", ""),
                                   statement=stmt.key))
        k = tuple(r["key"]) if r.get("key") is not None else None
        dup = False
        if k is not None:
            dup = k in seen_keys
            seen_keys[k] = seen_keys.get(k, 0) + 1
        if out in ("holds", "violated") and not dup:
            p["distinct"] += 1
            if k is not None:
                res.distinct += 1
                met_points.append({n: r["values"][n] for n in r["used"]})
            else:
                res.pinned_decided += 1
        if out != "vacuous" and out != "error":
            p["met"] += 1
        if dup:
            res.duplicates += 1
        if out in ("holds", "violated") and r["slack"] is not None and not dup:
            res.slacks.append(r["slack"])
            if p["min_slack"] is None or r["slack"] < p["min_slack"]:
                p["min_slack"] = r["slack"]
        if r.get("tightness") is not None and not dup:
            res.tightness.append(r["tightness"])
            if p["tightness_sup"] is None or r["tightness"] > p["tightness_sup"]:
                p["tightness_sup"] = r["tightness"]
            if best is None or r["tightness"] > best["tightness"]:
                best = r
        if out == "violated":
            p["violated"] += 1
            if p["first_violation_at"] is None:
                p["first_violation_at"] = p["draws"]
            if res.first_violation_at is None:
                res.first_violation_at = res.examples
                res.first_caught_by = s
            if not dup:
                res.counterexamples.append(dict(r["decision"], searcher=s, values=r["values"]))
        elif out == "artefact":
            res.artefacts.append(dict(r["decision"], searcher=s, values=r["values"]))
        if out in ("holds", "violated") and r["slack"] is not None and not dup and \
                (res.tightest is None or r["slack"] < res.tightest["slack"]):
            res.tightest = dict(example=r["example"], slack=r["slack"], searcher=s, values=r["values"],
                                verdicts={"final": r["final"]})
    res.per_searcher = per
    res.coverage = coverage(space, met_points)
    if best is not None:
        res.tightness_sup = dict(value=best["tightness"], searcher=best["searcher"], values=best["values"],
                                 example=best["example"], slack=best["slack"])
    res.budget = asdict(budget) if budget is not None else None
    res.records = records
    return res


def clopper_pearson_lower(k: int, n: int, confidence: float = 0.95) -> float:
    """One-sided lower confidence bound on a share from ``k`` successes in ``n`` trials."""
    if n <= 0 or k <= 0:
        return 0.0
    from scipy.stats import beta

    return float(beta.ppf(1 - confidence, k, n - k + 1))


def apply_certificates(records: list[dict], budget: Budget | None) -> tuple[list[dict], dict | None]:
    """Phase 3's records (searcher ``certify``) applied to the draws they re-decided: each target
    is marked ``certified`` (or not) with its role; where the ladder's outcome differs from the
    screened one, the ladder's stands (listed in ``overturned``). Returns the draws and the
    campaign's certification summary: policy, decided, certified, still screened, the tightest and
    the sample (with the certified share's one-sided 95 % Clopper–Pearson lower bound)."""
    certs = [r for r in records if r["searcher"] == "certify"]
    draws = [r for r in records if r["searcher"] != "certify"]
    at = {(r["searcher"], r["index"]): i for i, r in enumerate(draws)}
    roles = {"tightest": [0, 0], "sample": [0, 0]}
    overturned = []
    for c in certs:
        i = at.get(tuple(c["of"]))
        if i is None:
            continue
        r = dict(draws[i])
        r.pop("screened", None)
        r.update(certified=bool(c["certified"]), certify_role=c["role"])
        r.pop("decision", None)  # the whole ladder's decision replaces the screened one
        if "decision" in c:
            r["decision"] = c["decision"]
        roles[c["role"]][0] += 1
        roles[c["role"]][1] += int(bool(c["certified"]) and c["outcome"] == draws[i]["outcome"])
        if c["outcome"] != draws[i]["outcome"]:
            overturned.append(dict(searcher=r["searcher"], index=r["index"], screened=draws[i]["outcome"],
                                   decided=c["outcome"], values=r.get("values"), example=r["example"]))
            r.update(outcome=c["outcome"], slack=c["slack"], tightness=c["tightness"], final=c["final"])
            if draws[i].get("by_screen"):  # the statement's screen cleared what check() and the ladder do not
                r["outcome"] = "error"
                r["decision"] = dict(r.get("decision") or {}, error=(
                    f"screen/check disagreement: the screen cleared this example as holds and the ladder "
                    f"decided {c['outcome']!r} (phase 3, {c['role']})\n"))
        draws[i] = r
    decided = [r for r in draws if r["outcome"] in DECIDED]
    k, n = roles["sample"][1], roles["sample"][0]
    summary = dict(policy=budget.certify if budget is not None else "all", decided=len(decided),
                   certified=sum(1 for r in decided if record_certified(r)),
                   screened=sum(1 for r in decided if r.get("screened")),
                   tightest=dict(n=roles["tightest"][0], certified=roles["tightest"][1]),
                   sample=dict(n=n, certified=k, share=k / n if n else None, lower95=clopper_pearson_lower(k, n)),
                   overturned=overturned)
    return draws, summary


