"""Declared spaces of the two families of statements (see :mod:`bnverify.verify.space`).

* :func:`whitened_space` — whitened square-loss regression. Along whitened GD, ρ_t depends only on
  ``(H_0, ρ_0, η_γ, γ_0/a)`` (Lemma 7 (e) and scale invariance): the instance (seed, n, d, labels,
  a, residual), ``‖w_0‖`` and the initialisation seed are *inert* — sampled sparsely, never
  counted as distinct cases or coverage. A statement passes its own decisive parameters (ranges
  over its whole hypotheses region) and, where a derived constraint is reparametrised, a
  ``hyper_of(values) -> dict`` map to ``Hyper`` fields.
* :func:`logistic_space` — active-margin logistic regression (Assumptions 1–3 by construction):
  instance shape and seed, ``ρ_0`` as a fraction of the branch radius (Assumption 2) or absolute,
  the effective step ``x = η/‖w_0‖²`` (‖w_0‖ itself is inert: scale invariance makes ``(c w_0,
  c²η)`` the same run), ``η_γ``, ``γ_0`` and the initialisation seed (decisive: it picks the
  direction of ``w_0 − α_0 e``). ``hyper_of(values, instance, geometry) -> dict`` may rewrite the
  draw for a reparametrised hypothesis (e.g. ``x = f·H_5``).
* :func:`union_space` — one space from several (Lemma 12 holds for every loss and data set).
"""
from __future__ import annotations

from typing import Callable

from bnverify.verify.example import Example, cached_instance
from bnverify.numerics.hyper import Hyper
from bnverify.verify.space import Param, Space

SEED_MAX = 2**31 - 1

# --- whitened square loss ---------------------------------------------------------------------------
WHITENED_INERT = (
    Param.integer("d", 2, 5, inert=True, doc="dimension"),
    Param.integer("extra_n", 2, 12, inert=True, doc="n - d"),
    Param.categorical("labels", ("real", "pm1"), inert=True),
    Param.log("a_scale", 0.2, 5.0, inert=True, doc="a = ||w*|| (real labels); a = a_scale/10 for ±1 labels"),
    Param.linear("residual", 0.0, 1.0, inert=True, doc="least-squares residual (real labels)"),
    Param.integer("seed", 0, SEED_MAX, inert=True, covered=False),
    Param.log("w0_norm", 0.1, 10.0, inert=True),
    Param.integer("init_seed", 0, 2**16, inert=True, covered=False),
)


def whitened_instance_kwargs(v: dict) -> dict:
    n = v["d"] + v["extra_n"]
    if v["labels"] == "pm1":
        return dict(n=n, d=v["d"], labels="pm1", a=v["a_scale"] / 10, seed=v["seed"])
    return dict(n=n, d=v["d"], labels="real", a=v["a_scale"], residual=v["residual"], seed=v["seed"])


def _identity_hyper(v: dict) -> dict:
    return dict(H0=v["H0"], rho0=v["rho0"], eta_gamma=v["eta_gamma"], gamma0_over_a=v["gamma0_over_a"])


def whitened_space(*decisive: Param, hyper_of: Callable[[dict], dict] | None = None, region: str = "",
                   focus: dict | None = None) -> Space:
    """The space ``decisive + WHITENED_INERT``; ``hyper_of`` maps the values to the ``Hyper`` fields
    ``H0, rho0, eta_gamma, gamma0_over_a`` (default: parameters of those names)."""
    to_hyper = hyper_of or _identity_hyper

    def build(v: dict) -> Example:
        h = to_hyper(v)
        hyper = Hyper(**h, w0_norm=v["w0_norm"], init_seed=v["init_seed"])
        return Example.make("whitened_regression", hyper, **whitened_instance_kwargs(v))

    return Space((*decisive, *WHITENED_INERT), build, region, dict(focus or {}))


def standing_whitened(H0: Param) -> tuple:
    """The decisive parameters of the standing hypotheses (THEORY.md §5) with a given ``H0`` range:
    ``0 < ρ_0 < 1``, ``0 < η_γ ≤ 1``, ``0 < γ_0/a ≤ 1`` (boxes: ρ_0 ∈ [1e-10, 0.999],
    η_γ ∈ [1e-4, 1], γ_0/a ∈ [1e-3, 1], log scales)."""
    return (H0, Param.log("rho0", 1e-10, 0.999), Param.log("eta_gamma", 1e-4, 1.0),
            Param.log("gamma0_over_a", 1e-3, 1.0))


# --- logistic -------------------------------------------------------------------------------------------
def logistic_instance_params(n=(2, 6), extra_d=(1, 6), margin=(0.05, 2.0), spread=(0.3, 3.0)) -> tuple:
    return (Param.integer("n", *n), Param.integer("extra_d", *extra_d), Param.log("margin", *margin),
            Param.log("spread", *spread), Param.categorical("balanced", (True, False)),
            Param.integer("seed", 0, SEED_MAX, covered=False))


def logistic_space(*, rho: Param, x: Param, eta_gamma: Param | None = None, gamma0: Param | None = None,
                   instance: tuple | None = None, hyper_of: Callable | None = None, region: str = "",
                   focus: dict | None = None) -> Space:
    """Active-margin logistic examples. ``rho`` is named ``rho_frac`` (ρ_0 = rho_frac·ρ_branch) or
    ``rho0`` (absolute); ``x`` the effective step η/‖w_0‖² (or a factor that ``hyper_of`` turns into
    it). ``hyper_of(values, inst, geo) -> dict`` returns the ``Hyper`` fields (default: η = x·‖w_0‖²)."""
    from bnverify.numerics.backends import FLOAT64
    from bnverify.regimes.logistic import geometry

    params = (*(instance or logistic_instance_params()), rho, x,
              eta_gamma or Param.linear("eta_gamma", 0.0, 1.0), gamma0 or Param.log("gamma0", 0.05, 5.0),
              Param.log("w0_norm", 0.05, 3.0, inert=True), Param.integer("init_seed", 0, 2**16, covered=False))

    def build(v: dict) -> Example:
        kw = dict(n=v["n"], d=v["n"] + v["extra_d"], margin=v["margin"], spread=v["spread"],
                  balanced=v["balanced"], seed=v["seed"])
        # through Example.instance's cache: the decision builds the same instance again
        inst = cached_instance("active_margin_logistic", tuple(sorted(kw.items())), FLOAT64)
        geo = geometry(inst)
        rho0 = v["rho0"] if "rho0" in v else float(v["rho_frac"] * geo.rho_branch)
        h = dict(rho0=rho0, w0_norm=v["w0_norm"], eta_gamma=v["eta_gamma"], gamma0=v["gamma0"],
                 init_seed=v["init_seed"], eta=v[x.name] * v["w0_norm"] ** 2)
        if hyper_of is not None:
            h = hyper_of(dict(v), inst, geo, h)
        return Example.make("active_margin_logistic", Hyper(**h), **kw)

    return Space(params, build, region, dict(focus or {}))


def union_space(members: dict[str, Space], region: str = "") -> Space:
    """One space over several: a categorical ``family`` picks the member; each member's parameters
    are prefixed ``<family>.``; an example reads only its member's parameters."""
    params = [Param.categorical("family", tuple(members))]
    for fam, sp in members.items():
        params += [Param(**{**p.__dict__, "name": f"{fam}.{p.name}"}) for p in sp.params]

    def build(v: dict) -> Example:
        fam = v["family"]
        pre = fam + "."
        return members[fam].build({k[len(pre):]: x for k, x in v.items() if k.startswith(pre)})

    def uses(v: dict) -> set:
        return {"family"} | {f"{v['family']}.{p.name}" for p in members[v["family"]].params}

    return Space(tuple(params), build, region, {}, uses)


def whitened_full_space(H0=(1e-2, 1e2), *, focus: dict | None = None) -> Space:
    """The standing hypotheses with ``H_0`` log-uniform over ``H0`` (no other constraint): the space
    of the whitened identities and step criteria (Lemmas 1, 6, 7)."""
    return whitened_space(*standing_whitened(Param.log("H0", *H0)), focus=focus,
                          region=f"0 < eta_gamma <= 1, 0 < gamma0 <= a, 0 < rho0 < 1, any H0 > 0 "
                                 f"(box: H0 in [{H0[0]:g}, {H0[1]:g}], rho0 in [1e-10, 0.999], "
                                 "eta_gamma in [1e-4, 1], gamma0/a in [1e-3, 1])")


def pointwise_logistic_space(*, rho0_free=False, x: Param | None = None, hyper_of=None, region_extra: str = "",
                             instance: tuple | None = None, eta_gamma: Param | None = None,
                             gamma0: Param | None = None) -> Space:
    """Active-margin logistic examples over Assumptions 1–3 and the Assumption 2 initialisation:
    ``ρ_0 = f·ρ_branch``, f ∈ [1e-4, 0.999] (or, ``rho0_free``, ρ_0 ∈ [1e-4, 100] absolute),
    ``x = η/‖w_0‖² ∈ [1e-3, 1e3]``, ``η_γ ∈ [0, 1]``, ``γ_0 ∈ [1e-2, 20]`` (log scales but η_γ)."""
    rho = Param.log("rho0", 1e-4, 100.0) if rho0_free else Param.log("rho_frac", 1e-4, 0.999)
    return logistic_space(rho=rho, x=x or Param.log("x", 1e-3, 1e3), instance=instance, hyper_of=hyper_of,
                          eta_gamma=eta_gamma, gamma0=gamma0 or Param.log("gamma0", 1e-2, 20.0),
                          region="Assumptions 1-3 (active-margin data), w0 in span(X^T), alpha0 > 0, gamma0 > 0, "
                                 + ("any rho0 > 0 (box [1e-4, 100])" if rho0_free else
                                    "rho0 < rho_branch (rho0 = f rho_branch, f in [1e-4, 0.999])")
                                 + "; data n in [2, 6], d - n in [1, 6], margin [0.05, 2], spread [0.3, 3]"
                                 + region_extra)
