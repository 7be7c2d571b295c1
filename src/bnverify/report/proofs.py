"""The report's "proved over" section: which statements ``bnverify prove`` proves over which box
(volume share, residue, boxes, seconds, certificate), which mutants it refutes with a box, and
which statements are sampled only.

* :func:`generate` proves the shipped region claims (:data:`SHIPPED`), writes their certificates
  and ``summary.json`` to a folder (``reports/certificates/``), re-checks every certificate with the
  separate checker (``bnverify.verify.certcheck``, its time recorded) and refutes every mutant of
  those statements (each refuted box confirmed at its midpoint by the precision ladder);
* :func:`proofs_markdown` renders a summary as the markdown section (tables).

    python -m bnverify.report.proofs [--out reports/certificates] [--scale 1.0]
"""
from __future__ import annotations

import json
import time
from pathlib import Path

__all__ = ["SHIPPED", "generate", "proofs_markdown", "sampled_only"]

# (statement key, claim name, box overrides, budget in seconds, write a certificate)
SHIPPED = [
    ("lemma6.sufficient_convergence@reconstructed-v1", "step", {}, 30, True),
    ("lemma6.sufficient_convergence@reconstructed-v1", "step", {"rho": (1e-6, 1.0)}, 30, True),
    ("lemma6.sufficient_divergence@reconstructed-v1", "step", {}, 30, True),
    ("lemma6.sufficient_divergence@reconstructed-v1", "step", {"rho": (1e-6, 1.0)}, 30, True),
    ("lemma7.rising_criterion@exact-v1", "off-band", {}, 120, True),
    ("lemma7.rising_criterion@exact-v1", "exact", {}, 10, False),  # tight on the curve: a residue by design
    ("thm3.peak_bound@reconstructed-v1", "peak-step", {}, 30, True),
    ("thm3.peak_bound@reconstructed-v1", "rise-needs", {}, 120, True),
    ("thm3.peak_bound@reconstructed-v1", "rise-factor", {}, 30, True),
    ("thm3.peak_bound@reconstructed-v1", "never-above-1", {}, 30, True),
    ("thm3.peak_bound@reconstructed-v1", "scale", {}, 30, True),
    ("thm2.no_rising_edge@reconstructed-v1", "no-rise", {}, 30, True),
    ("thm2.no_rising_edge@reconstructed-v1", "scale", {}, 30, True),
    ("thm2.no_rising_edge@reconstructed-v1", "gamma", {}, 30, True),
    ("thm2.no_rising_edge@reconstructed-v1", "direct-T2", {}, 30, False),
    ("thm2.no_rising_edge@reconstructed-v1", "direct-T4", {}, 30, False),
]


def _fname(claim, overrides) -> str:
    name = claim.short_key.replace("@", "_").replace("#", "__")
    if overrides:
        name += "__" + "_".join(f"{k}{lo:g}-{hi:g}" for k, (lo, hi) in sorted(overrides.items()))
    return name + ".json"


def _box_text(box: dict) -> str:
    return ", ".join(f"{k} ∈ [{lo:g}, {hi:g}]" for k, (lo, hi) in box.items())


def generate(out, *, scale: float = 1.0, mutants: bool = True, log=print) -> dict:
    """Prove :data:`SHIPPED` (budgets × ``scale``), write certificates and ``summary.json`` to ``out``."""
    from bnverify.verify.certcheck import check_file
    from bnverify.verify.provenance import git_commit
    from bnverify.verify.prove import prove, region_claims, write_certificate
    from bnverify.verify.registry import load, load_statement

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    commit = git_commit()
    rows = []
    for key, name, overrides, budget, write in SHIPPED:
        stmt = load_statement(key)
        claim = next(c for c in region_claims(stmt) if c.name == name)
        r = prove(claim, overrides, budget=budget * scale)
        row = {**r.summary(), "budget": budget * scale, "text": claim.text, "notes": claim.notes,
               "box": {k: [v.lo, v.hi] for k, v in r.box.items()}}
        if write:
            path = out / _fname(claim, overrides)
            row["certificate"] = path.name
            row["certificate_bytes"] = write_certificate(r, path, commit)
            chk = check_file(path)
            row["checker_ok"], row["checker_seconds"] = chk.ok, round(chk.seconds, 3)
        rows.append(row)
        log(f"{claim.short_key} over {_box_text(row['box'])}: {r.status}, {r.boxes} boxes, {r.seconds:.2f} s, "
            f"proved {r.proved_share:.6g}, residue {r.residue_share:.3g}"
            + (f", certificate {row['certificate_bytes']} bytes, checker {row['checker_seconds']} s "
               f"({'ok' if row['checker_ok'] else 'FAILED'})" if write else ""))
    refuted = []
    if mutants:
        bases = {k for k, *_ in SHIPPED}
        for m in load(mutants=True):
            if m.mutant_of not in bases:
                continue
            best = None
            t0 = time.perf_counter()
            for c in region_claims(m):
                r = prove(c, budget=60 * scale, stop_on_refute=True, confirm_refuted=1)
                if r.refuted:
                    best = (c, r)
                    break
            if best is None:
                refuted.append({"mutant": m.short_key, "status": "not refuted",
                                "seconds": round(time.perf_counter() - t0, 2)})
                log(f"{m.short_key}: NOT refuted")
                continue
            c, r = best
            n = r.refuted[0]
            refuted.append({"mutant": m.short_key, "claim": c.name, "status": r.status, "boxes": r.boxes,
                            "seconds": round(r.seconds, 2), "box": {k: [v.lo, v.hi] for k, v in n.box.items()},
                            "ladder": (n.confirm or {}).get("outcome"),
                            "ladder_seconds": (n.confirm or {}).get("seconds"),
                            "reproduce": (n.confirm or {}).get("reproduce", "")})
            log(f"{m.short_key}#{c.name}: {r.status} in {r.boxes} boxes, {r.seconds:.2f} s; box "
                f"{_box_text(refuted[-1]['box'])}; ladder {refuted[-1]['ladder']}")
    summary = {"commit": commit, "claims": rows, "mutants": refuted, "sampled_only": sampled_only()}
    (out / "summary.json").write_text(json.dumps(summary, indent=1) + "\n")
    (out / "README.md").write_text(proofs_markdown(summary, cert_dir=".") + "\n")
    return summary


def sampled_only() -> list[str]:
    """Keys of the shipped statements without a region claim (decided by sampling only)."""
    from bnverify.verify.prove import region_claims
    from bnverify.verify.registry import load

    return [s.key for s in load() if not region_claims(s)]


def proofs_markdown(summary: dict, cert_dir: str = "certificates") -> str:
    """The "proved over" section for the report (markdown), from a :func:`generate` summary."""
    lines = ["## Proved over whole boxes (`bnverify prove`)", "",
             "Interval branch and bound (endpoint intervals with outward rounding, centred and monotone forms, "
             "smear bisection) over the claim's box; *proved share* is the volume share of the box covered by "
             "proved boxes, *residue* the share left undecided (tight points of the claim or the budget). "
             "Certificates re-checked by `bnverify check-certificate` "
             f"(code commit {summary.get('commit', '?')[:12]}).", "",
             "| claim | box | status | proved share | residue | boxes | seconds | certificate | checker |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in summary.get("claims", []):
        cert = f"[{r['certificate']}]({cert_dir}/{r['certificate']}) ({r['certificate_bytes'] / 1024:.0f} KiB)" \
            if r.get("certificate") else "—"
        chk = ((f"{'ok' if r['checker_ok'] else 'FAILED'}, {r['checker_seconds']:.2f} s") if r.get("certificate")
               else "—")
        lines.append(f"| `{r['short_key']}` | {_box_text(r['box'])} | {r['status']} | {r['proved_share']:.10g} | "
                     f"{r['residue_share']:.3g} | {r['boxes']} | {r['seconds']:.2f} | {cert} | {chk} |")
    if summary.get("mutants"):
        lines += ["", "Mutants and needles refuted with a counterexample box (every point of the box violates the "
                  "claim; the statement's own check at the box's midpoint confirmed by the precision ladder):", "",
                  "| mutant | claim | refuted box | boxes | seconds | ladder at the midpoint |",
                  "|---|---|---|---|---|---|"]
        for m in summary["mutants"]:
            if m["status"] == "not refuted":
                lines.append(f"| `{m['mutant']}` | — | **not refuted** | — | {m['seconds']} | — |")
                continue
            lines.append(f"| `{m['mutant']}` | {m['claim']} | "
                         f"{_box_text({k: tuple(v) for k, v in m['box'].items()})} | "
                         f"{m['boxes']} | {m['seconds']:.2f} | {m['ladder']} ({m['ladder_seconds']} s) |")
    if summary.get("sampled_only"):
        lines += ["", "Sampled only (no region claim): " + ", ".join(f"`{k}`" for k in summary["sampled_only"]) + "."]
    return "\n".join(lines)


def main(argv=None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="prove the shipped region claims and write their certificates")
    ap.add_argument("--out", default="reports/certificates")
    ap.add_argument("--scale", type=float, default=1.0, help="budget multiplier")
    ap.add_argument("--no-mutants", action="store_true")
    a = ap.parse_args(argv)
    generate(a.out, scale=a.scale, mutants=not a.no_mutants)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
