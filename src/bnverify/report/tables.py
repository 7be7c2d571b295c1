"""The report's tables, as pandas DataFrames built from plain campaign results (run.result_dict)."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from bnverify.report.run import certified_artefacts, decided_examples

OUTCOME_COLUMNS = ("holds", "violated", "artefact", "undecided", "vacuous")


def sanitise(key: str) -> str:
    """A file name for a statement key (``thm2.no_rising_edge@reconstructed-v1`` →
    ``thm2.no_rising_edge@reconstructed-v1``; anything outside ``[A-Za-z0-9._@-]`` → ``_``)."""
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", key).strip("_")[:150]


def fmt(x, digits=3) -> str:
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if isinstance(x, float):
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        return f"{x:.{digits}g}"
    return str(x)


def verdict_word(r: dict) -> str:
    """One word for a campaign: what a reader should take away."""
    c = r["counts"]
    if r.get("error"):
        return "ERROR (campaign raised; see the statement's page)"
    if r.get("errors"):
        return f"ERROR ({len(r['errors'])} example(s) raised)"
    if r.get("examples", 0) == 0:
        return "not run"
    if r["met"] == 0:
        return "VACUOUS (hypotheses never met)"
    if c["violated"]:
        return "refuted (known)" if r.get("known_false") else "VIOLATED"
    note = [f"{c['artefact']} precision artefact(s)"] if c["artefact"] else []
    if c["undecided"]:
        note.append(f"{c['undecided']} undecided")
    if not c["holds"] and not certified_artefacts(r):  # uncertified artefacts and undecided examples
        return "undecided" + (f" ({', '.join(note)})" if c["artefact"] else "")  # decide nothing: not a pass
    return "holds" + (f" ({', '.join(note)})" if note else "")


def certified_text(r: dict) -> str:
    """``certified / decided`` (share): decided examples (holds, violated, artefact) whose outcome rests on
    a ball-arithmetic certificate; then, where comfortable holds were *screened* (decided in float64,
    not certified), how many, and the certified share of the seeded sample sent up the ladder with its
    one-sided 95 % Clopper–Pearson lower bound (``bnverify.verify.summary.apply_certificates``)."""
    dec, cert = r.get("decided"), r.get("certified")
    if dec is None or cert is None:
        return "–"
    text = f"{cert}/{dec} ({cert / dec:.0%})" if dec else "0/0"
    c = r.get("certification") or {}
    if c.get("screened"):
        s, t = c["sample"], c["tightest"]
        text += f"; {c['screened']} screened"
        if not s["n"] and not t["n"] and r.get("ball_note"):
            text += f" ({r['ball_note']})"
        if s["n"]:
            text += f"; sample {s['certified']}/{s['n']} certified (≥ {s['lower95']:.0%} at 95 %)"
        if t["n"]:
            text += f"; tightest {t['certified']}/{t['n']}"
    if c.get("overturned"):
        text += f"; **{len(c['overturned'])} screened verdicts overturned by the ladder**"
    return text


def certified_sum(rs: list[dict]) -> str:
    """:func:`certified_text` over several campaigns of one statement."""
    if any(r.get("decided") is None for r in rs):
        return "–"
    cs = [r.get("certification") for r in rs if r.get("certification")]
    merged = None
    if cs:
        n, k = sum(c["sample"]["n"] for c in cs), sum(c["sample"]["certified"] for c in cs)
        from bnverify.verify.summary import clopper_pearson_lower

        merged = dict(screened=sum(c["screened"] for c in cs), overturned=[o for c in cs for o in c["overturned"]],
                      sample=dict(n=n, certified=k, lower95=clopper_pearson_lower(k, n)),
                      tightest=dict(n=sum(c["tightest"]["n"] for c in cs),
                                    certified=sum(c["tightest"]["certified"] for c in cs)))
    return certified_text({"decided": sum(r["decided"] for r in rs), "certified": sum(r["certified"] for r in rs),
                           "certification": merged, "ball_note": rs[0].get("ball_note", "")})


def tightness(r: dict) -> tuple[float | None, float | None]:
    t = np.array([x for x in r.get("tightness", []) if x is not None and math.isfinite(x)], float)
    if t.size == 0:
        return None, None
    return float(np.median(t)), float(np.max(t))


def summary(results: list[dict], link=None) -> pd.DataFrame:
    """One row per (statement, precision)."""
    rows = []
    for r in results:
        med, mx = tightness(r)
        name = r["key"] if link is None else link(r)
        rows.append({"statement": name, "version": r["describe"]["version"],
                     "provenance": r["describe"]["provenance"], "kind": r["describe"].get("kind", ""),
                     "precision": r["backend"], "examples": r["examples"],
                     "hypotheses met": f"{r['met_rate']:.0%}",
                     **{k: r["counts"][k] for k in OUTCOME_COLUMNS},
                     "smallest slack": fmt(r["min_slack"]), "certified": certified_text(r),
                     "tightness median": fmt(med), "tightness max": fmt(mx),
                     "verdict": verdict_word(r), "seconds": fmt(r.get("seconds"), 2)})
    return pd.DataFrame(rows)


def mutants(results: list[dict], link=None) -> pd.DataFrame:
    """One row per mutant: caught in any precision, examples to first detection, detection rate
    (violated ÷ hypotheses met) per precision."""
    by_key: dict[str, list[dict]] = {}
    for r in results:
        by_key.setdefault(r["key"], []).append(r)
    rows = []
    for key, rs in by_key.items():
        d = rs[0]["describe"]
        mutation = d.get("mutation") or key
        if link is not None:
            mutation = f"[{mutation}]({link(rs[0])})"
        row = {"mutant of": d.get("mutant_of") or "", "mutation": mutation,
               "caught?": "yes" if any(r["counts"]["violated"] for r in rs) else "**NO**"}
        for r in rs:
            b = r["backend"]
            row[f"examples to detection ({b})"] = r.get("first_violation_at") or "–"
            row[f"detection rate ({b})"] = (f"{r['counts']['violated']}/{r['met']} = "
                                            f"{r['counts']['violated'] / r['met']:.0%}"
                                            if r["met"] else "– (none met)")
        rows.append(row)
    return pd.DataFrame(rows)


def verdicts_of(ce: dict) -> pd.DataFrame:
    """Every precision's verdict of one decided example (a counterexample or an artefact); *status*
    says "certified" on a ball verdict decided without Uncertain."""
    rows = []
    for prec, v in ce["verdicts"].items():
        rows.append({"precision / simulator": prec,
                     "status": v["status"] + (" (certified)" if v.get("certified") else ""),
                     "observed": fmt(v.get("observed"), 17),
                     "bound": fmt(v.get("bound"), 17), "slack": fmt(v.get("slack")),
                     "witness t": v.get("witness") if v.get("witness") is not None else "–",
                     "horizon": v.get("horizon"), "message": (v.get("message") or "").replace("|", "\\|")})
    return pd.DataFrame(rows)


def parameters_of(example: dict) -> pd.DataFrame:
    inst = dict(example["instance"])
    rows = [{"group": "instance", "parameter": k, "value": fmt(v, 17)} for k, v in inst.items()]
    rows += [{"group": "hyper", "parameter": k, "value": fmt(v, 17)} for k, v in example["hyper"].items()]
    return pd.DataFrame(rows)


def md(df: pd.DataFrame) -> str:
    if df.empty:
        return "_(none)_"
    return df.to_markdown(index=False, disable_numparse=True)


# --- the search's evidence -------------------------------------------------------------------------
BOUND_SOURCES = ("initial state", "step-t quantities", "event (onset state)", "propagated enclosure", "identity")


def cov_text(r: dict) -> str:
    c = r.get("coverage") or {}
    if c.get("1d") is None:
        return "–"
    two = f" / {c['2d']:.0%}" if c.get("2d") is not None else ""
    return f"{c['1d']:.0%}{two}"


def sup_text(r: dict) -> str:
    s = r.get("tightness_sup")
    if not s:
        return "–"
    # a pinned example has no point of the space: its hyperparameters say where it is
    vals = s.get("values") or {k: v for k, v in ((s.get("example") or {}).get("hyper") or {}).items()
                               if isinstance(v, (int, float)) and k != "init_seed"}
    where = ", ".join(f"{k}={fmt(v)}" for k, v in list(vals.items())[:4])
    return f"{fmt(s['value'])} ({s.get('searcher')}: {where})"


def statement_verdict(rs: list[dict]) -> str:
    """One verdict for a statement version over its campaigns (precisions)."""
    if any(r.get("error") or r.get("errors") for r in rs):
        return "ERROR (raised; see page)"
    if any(r["counts"].get("violated") for r in rs):
        return "refuted (known)" if rs[0].get("known_false") else "**VIOLATED**"
    if sum(r.get("distinct", 0) + r.get("pinned_decided", 0) for r in rs) == 0:
        return "VACUOUS (hypotheses never met)"
    if not any(decided_examples(r) for r in rs):
        return "**NOTHING DECIDED** (no example held: undecided or uncertified precision artefacts only)"
    return "holds"


def verdict_rows(by_key: dict[str, list[dict]], link) -> pd.DataFrame:
    """The summary: one row per statement version, at most 8 columns (*certified*: decided examples
    whose outcome a ball-arithmetic certificate settles, all precisions)."""
    rows = []
    for key, rs in by_key.items():
        f64 = next((r for r in rs if r["backend"] == "float64"), rs[0])
        distinct = sum(r.get("distinct", 0) for r in rs)
        draws = sum(r.get("examples", 0) for r in rs)
        arts = sum(r["counts"].get("artefact", 0) for r in rs)
        rows.append({"statement": link(key, f64), "verdict": statement_verdict(rs),
                     "distinct / draws": f"{distinct} / {draws}", "coverage 1-D / 2-D": cov_text(f64),
                     "tightness sup (where)": (sup_text(f64) if f64.get("bound_source") != "propagated enclosure"
                                               else "– (enclosure)"),
                     "bound from": f64.get("bound_source") or "–", "precision artefacts": arts,
                     "certified": certified_sum(rs)})
    return pd.DataFrame(rows)


def searcher_rows(r: dict) -> pd.DataFrame:
    """Per searcher: draws, distinct decided, rejected (vacuous), violations, first violation,
    tightness sup, smallest slack."""
    rows = []
    for s, p in (r.get("per_searcher") or {}).items():
        rows.append({"searcher": s, "draws": p["draws"], "distinct decided": p["distinct"],
                     "rejected (vacuous)": p["rejected"],
                     "violations": p["violated"], "first violation at": p["first_violation_at"] or "–",
                     "tightness sup": fmt(p["tightness_sup"]), "smallest slack": fmt(p["min_slack"]),
                     "raised": p.get("errors", 0)})
    return pd.DataFrame(rows)


def mutant_rows(by_key: dict[str, list[dict]], link) -> pd.DataFrame:
    rows = []
    for key, rs in by_key.items():
        d = rs[0]["describe"]
        f64 = next((r for r in rs if r["backend"] == "float64"), rs[0])
        per = f64.get("per_searcher") or {}
        firsts = ", ".join(f"{s} @ {p['first_violation_at']}" for s, p in per.items() if p.get("first_violation_at"))
        caught = any(r["counts"].get("violated") for r in rs)
        share = f64.get("needle_share")
        rows.append({"mutant": link(key, f64), "of": d.get("mutant_of") or "",
                     "kind": f"needle (false on {share})" if share is not None else "plain",
                     "caught?": "yes" if caught else "**NO**",
                     "caught first by": (f"{f64.get('first_caught_by')} after {f64.get('first_violation_at')} draws"
                                         if f64.get("first_caught_by") else "–"),
                     "each searcher's first detection": firsts or "–"})
    return pd.DataFrame(rows)
