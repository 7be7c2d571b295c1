"""Rising-edge segmentation and the whitened onset/duration constants (THEORY.md §5–§6).

Shared by ``theorems/thm2_delayed_onset*.py``, ``theorems/lemma13_*.py`` and ``theorems/thm3_*.py``.
Everything is evaluated in the trajectory's (or instance's) own arithmetic: comparisons of ρ are
exact at that precision, and the constants are backend numbers until they are rounded to ints.

* :func:`rising_edges` — maximal runs of consecutive rising steps ``ρ_{t+1} > ρ_t``;
  :func:`ratio_max` — the largest step ratio of a column (``max_t ρ_{t+1}/ρ_t``).
* :func:`t1_scan` — ``T_1`` of Theorem 2 (2) by scanning t (the scan stops as soon as the
  condition holds, or when its left-hand side minus right-hand side is ≤ 0 and no longer
  increasing: that difference is discretely concave in t, so it can never turn positive).
* :func:`t1_closed_form` — the closed-form ``T_1^cf`` (split θ optimised through Lambert W).
* :func:`t2_at` — the duration bound ``T_2`` of a rising edge from the state at its onset.

Closed forms only: the statement kind built on them (``RisingRegimeStatement``) and the pinned
long-edge examples live in the engine layer, :mod:`bnverify.verify.kinds`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import mpmath
import numpy as np

from bnverify.numerics.backends import Backend, argmax
from bnverify.regimes.whitened import tau

_MP = mpmath.MPContext()
_MP.prec = 80


@dataclass(frozen=True)
class Edge:
    """A rising edge: rising steps ``onset … onset + length − 1``. ``ended``: step
    ``onset + length`` is recorded as non-rising (``ρ_{t+1} ≤ ρ_t``); otherwise the run of rising
    steps reaches the last recorded step and the edge is at least ``length`` long."""

    onset: int
    length: int
    ended: bool

    @property
    def end(self) -> int | None:
        """First non-rising step after the onset (None if not seen)."""
        return self.onset + self.length if self.ended else None


def rising_edges(traj) -> list[Edge]:
    """Maximal runs of rising steps over ``t = 0 … T − 1`` (steps with a recorded successor)."""
    T = traj.T
    if T < 1:
        return []
    up = np.asarray(traj["edge"][:T]) == 1
    if not up.any():
        return []
    # the runs of True in up, vectorised: starts where up turns on, ends (exclusive) where it turns off
    d = np.diff(up.astype(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts, ends = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
    return [Edge(int(s), int(e - s), bool(e < T)) for s, e in zip(starts, ends)]


def ratio_max(col, T: int) -> tuple[object, int | None]:
    """``max_t col[t+1]/col[t]`` over ``t < T`` (``+∞`` if ``col[t] = 0 < col[t+1]``; pairs with
    ``col[t] = col[t+1] = 0`` count as 1) and its first argmax. Returns (1.0, None) if T = 0. The
    maximum is the backend's number (a ball stays a ball, decided by the caller's comparison)."""
    if T <= 0:
        return 1.0, None
    ratios = []
    for t in range(T):
        x0, x1 = col[t], col[t + 1]
        if x0 > 0:
            ratios.append(x1 / x0)
        elif x1 > 0:
            ratios.append(float("inf"))
        else:
            ratios.append(1)
    return argmax(ratios)  # on balls: an enclosure of the maximum (no comparison of equal ratios)


# --- Theorem 2 (2): T_1 ------------------------------------------------------------------------

def _t1_gap(H0, c0, qt, g0, tau0, t, lin):
    """The onset gap ``g(t)`` of :func:`t1_scan` from ``qt = qᵗ`` (numbers or float64 arrays; one order of
    operations for the scan, its float64 block form and :func:`t1_margins`)."""
    return H0 * (c0 - qt * (c0 - g0)) - tau0 - t * lin


def _t1_increment(H0, c0, qt, q, g0, lin):
    """The gap's increment ``g(t+1) − g(t)`` of :func:`t1_scan` from ``qt = qᵗ``."""
    return H0 * qt * (1 - q) * (c0 - g0) - lin


def t1_scan(s: dict, bk: Backend, t_max: int = 10**7) -> int | None:
    """``T_1 = min{t ≥ 0 : g(t) > 0}`` or ``None`` (= ∞), where the onset gap is
    ``g(t) = H_0(c_0 − qᵗ(c_0 − γ_0/a)) − τ(ρ_0)(1 + t H_0² s_0²)``. The increments
    ``H_0 qᵗ(1−q)(c_0 − g_0) − τ(ρ_0) H_0² s_0²`` are non-increasing in t (0 ≤ q < 1), so once the
    gap is ≤ 0 and its increment ≤ 0 it stays ≤ 0 for ever."""
    H0, c0, s0, q = s["H0"], s["c0"], s["s0"], s["q"]
    g0 = s["gamma0"] / s["a"]
    tau0 = tau(s["rho0"], bk)
    lin = tau0 * H0 * H0 * s0 * s0
    if bk.dtype is np.float64 and not bk.encloses:
        return _t1_scan_float64(H0, c0, q, g0, tau0, lin, t_max)
    qt = q ** 0
    for t in range(t_max + 1):
        if _t1_gap(H0, c0, qt, g0, tau0, t, lin) > 0:
            return t
        if _t1_increment(H0, c0, qt, q, g0, lin) <= 0:
            return None
        qt = qt * q
    raise RuntimeError(f"t1_scan: no decision within {t_max} steps")


def _t1_scan_float64(H0, c0, q, g0, tau0, lin, t_max: int) -> int | None:
    """:func:`t1_scan`'s loop in float64, vectorised over blocks of t with the loop's operations in its
    order (``qᵗ`` the same running product: ``np.multiply.accumulate`` multiplies left to right), so every
    gap and increment has the loop's bits and the scan stops where the loop stops
    (``tests/test_event_margin.py`` compares the two)."""
    qt = q ** 0
    t0, n = 0, 256
    while t0 <= t_max:
        n = min(n, t_max + 1 - t0)
        qs = np.full(n, q, dtype=np.float64)
        qs[0] = qt
        np.multiply.accumulate(qs, out=qs)
        ts = np.arange(t0, t0 + n, dtype=np.float64)
        with np.errstate(all="ignore"):
            gap = _t1_gap(H0, c0, qs, g0, tau0, ts, lin)
            inc = _t1_increment(H0, c0, qs, q, g0, lin)
        stop = np.flatnonzero((gap > 0) | (inc <= 0))
        if stop.size:
            i = int(stop[0])
            return t0 + i if gap[i] > 0 else None
        qt = qs[-1] * q
        t0 += n
        n *= 4
    raise RuntimeError(f"t1_scan: no decision within {t_max} steps")


def t1_margins(s: dict, bk: Backend, T1: int | None) -> dict:
    """The *event margins* of ``T_1`` (the scan's comparison ``g(t) > 0`` of :func:`t1_scan`, relative to
    the size of its terms ``size(t) = H_0 c_0 + τ(ρ_0)(1 + t H_0² s_0²)``):

    * ``below = −g(T_1 − 1)/size(T_1 − 1)`` (``+∞`` when ``T_1 = 0``): how far ``T_1 − 1`` is from meeting
      the condition. While it exceeds the rounding error of the gap, the exact ``T_1`` is not smaller: the
      exact increments ``g(t+1) − g(t)`` are non-increasing, the one into ``T_1`` is
      ``g(T_1) − g(T_1 − 1) > −g(T_1 − 1)``, so g increases on ``0 … T_1`` and every earlier gap is below
      ``g(T_1 − 1) < 0``;
    * ``above = g(T_1)/size(T_1)``: while it exceeds the rounding error, the exact ``T_1`` is not larger.

    ``None`` values when ``T_1`` is None. Backend numbers (``qᵗ`` as a power, not the scan's running
    product: the two differ by O(t·eps), within the margin's own rounding)."""
    if T1 is None:
        return dict(below=None, above=None)
    H0, c0, s0, q = s["H0"], s["c0"], s["s0"], s["q"]
    g0 = s["gamma0"] / s["a"]
    tau0 = tau(s["rho0"], bk)
    lin = tau0 * H0 * H0 * s0 * s0

    def gap_size(t):
        return _t1_gap(H0, c0, q ** t, g0, tau0, t, lin), H0 * c0 + tau0 + t * lin

    g1, n1 = gap_size(T1)
    out = dict(below=math.inf, above=g1 / n1)
    if T1 > 0:
        g, n = gap_size(T1 - 1)
        out["below"] = -g / n
    return out


def t1_closed_form_margin(cf: dict) -> object:
    """The event margin of ``T_1^cf = max(0, ⌈x⌉)``, ``x = log(K/θ*)/λ`` (``cf`` from
    :func:`t1_closed_form`): ``(x − (T_1^cf − 1))/max(1, |x|)``, the relative distance of the ceiling's
    argument to the integer below — while it exceeds the rounding error of x, the exact ``T_1^cf`` is
    not smaller. ``+∞`` where no ceiling fixes ``T_1^cf`` (``T_1^cf = 0``, η_γ = 1, or ``c_0 ≤ g_0``);
    None when ``T_1^cf`` is None."""
    T, x = cf.get("T1_cf"), cf.get("arg")
    if T is None:
        return None
    if x is None or T == 0:
        return math.inf
    return (x - (T - 1)) / max(1, abs(x))


def relative_rise(r1, k1, r0, k0):
    """``(ρ_{t+1} − ρ_t)/ρ_{t+1}`` for ``ρ = r·2^k`` (floats or float64 arrays; the scaling of
    :func:`bnverify.numerics.simulate.rises`): the margin of the comparison ``ρ_{t+1} > ρ_t`` relative to
    its larger side on a rise (``(R − 1)/R`` with ``R = ρ_{t+1}/ρ_t``; ≈ the relative rise ``R − 1`` for
    small rises, and ≤ 1). ``−∞`` where ``ρ_{t+1} ≤ 0``. The same operations on Python floats and on numpy
    arrays: the streamed screen and :func:`rise_margin` get the same bits."""
    if isinstance(r1, np.ndarray):
        x = np.where(k1 == k0, r1, np.ldexp(r1, k1 - k0))
        return np.where(x > 0, (x - r0) / np.where(x > 0, x, 1.0), -np.inf)
    x = r1 if k1 == k0 else math.ldexp(r1, int(k1 - k0))
    return (x - r0) / x if x > 0 else -math.inf


def rise_margin(traj, t: int):
    """The event margin of the rising label of step t, ``(ρ_{t+1} − ρ_t)/ρ_{t+1}`` (:func:`relative_rise`):
    from ``|m|/α`` and the binary scale k on a floor-free float64 run (exact below the float64 range, as
    the labels are), else from the ρ column in the trajectory's arithmetic."""
    if traj.beta_scale is not None:
        m, k = traj.beta_scale
        al = traj["alpha"]
        r = [float(abs(m[i]) / al[i]) if al[i] > 0 else math.inf for i in (t, t + 1)]
        return relative_rise(r[1], int(k[t + 1]), r[0], int(k[t]))
    rho = traj["rho"]
    r0, r1 = rho[t], rho[t + 1]
    if traj.backend.dtype is np.float64:
        return relative_rise(float(r1), 0, float(r0), 0)
    return (r1 - r0) / r1 if r1 > 0 else -math.inf


def t1_closed_form(s: dict, bk: Backend) -> dict:
    """Closed-form ``T_1^cf`` (derivation: theorems/thm2_delayed_onset_closed_form.md).

    With ``δ = H_0 c_0 − τ(ρ_0) > 0``, ``K = H_0(c_0 − g_0)/δ``, ``λ = log(1/q)``,
    ``M = δ/(τ(ρ_0) H_0² s_0²)``: the scan condition at t is ``K qᵗ + t/M < 1``. For a split θ it
    holds at ``t_θ = ⌈log(K/θ)/λ⌉`` whenever ``t_θ < (1−θ)M``. The largest θ with
    ``log(K/θ)/λ + 1 = (1−θ)M`` makes that automatic (⌈x⌉ < x + 1) and gives the smallest
    ``t_θ`` of this family: ``θ* = u/(λM)`` with ``u − log u = L := λM − λ − log(λMK)``,
    ``u = −W_{−1}(−e^{−L})`` (u ≥ 1). Returns a dict with ``T1_cf`` (None when no θ ∈ (0, 1)
    exists: L < 1 or θ* ≥ 1), ``theta``, ``K``, ``M``, ``lam``, ``delta``, ``valid`` (the
    inequality ``t_θ < (1−θ)M`` re-checked) and ``arg``, the ceiling's argument ``log(K/θ)/λ`` (None
    where no ceiling is taken). ``q = 0`` (η_γ = 1): ``T_1^cf = 1`` iff ``M > 1``."""
    H0, c0, s0, q = s["H0"], s["c0"], s["s0"], s["q"]
    g0 = s["gamma0"] / s["a"]
    tau0 = tau(s["rho0"], bk)
    delta = H0 * c0 - tau0
    out = dict(T1_cf=None, theta=None, K=None, M=None, lam=None, delta=delta, valid=False, L=None, arg=None)
    if not delta > 0:
        return out
    M = delta / (tau0 * H0 * H0 * s0 * s0) if s0 > 0 else None  # None: M = ∞
    K = H0 * (c0 - g0) / delta
    out.update(K=K, M=M)
    if not c0 > g0:  # gap(0) = δ > 0 already
        out.update(T1_cf=0, theta=None, valid=True)
        return out
    if q == 0:
        ok = M is None or M > 1
        out.update(T1_cf=1 if ok else None, theta=0, lam=math.inf, valid=ok)
        return out
    lam = -bk.log1p(-s["eta_gamma"])
    out["lam"] = lam
    if M is None:  # s_0 = 0: θ → 1
        x = bk.log(K) / lam
        out.update(T1_cf=max(0, bk.ceil_int(x)), theta=1, valid=True, arg=x)
        return out
    lM = lam * M
    L = lM - lam - bk.log(lM * K)
    out["L"] = L
    if not L >= 1:
        return out
    if bk.bounded_exponent:  # float64: the branch in 80-bit mpmath (like t2_value)
        u = -_MP.lambertw(-_MP.exp(-_MP.mpf(L)), -1).real
    else:
        u = -bk.lambertw(-bk.exp(-bk.scalar(L)), -1)
    theta = bk.scalar(u) / lM
    if not theta < 1:
        return out
    x = bk.log(K / theta) / lam
    t = max(0, bk.ceil_int(x))
    valid = t < (1 - theta) * M
    out.update(T1_cf=t if valid else None, theta=theta, valid=bool(valid), arg=x)
    return out


def t1_closed_form_half(s: dict, bk: Backend) -> int | None:
    """``T_1^cf`` with the split fixed at θ = ½ (None when ``t_½ < M/2`` fails)."""
    H0, c0, s0, q = s["H0"], s["c0"], s["s0"], s["q"]
    g0 = s["gamma0"] / s["a"]
    tau0 = tau(s["rho0"], bk)
    delta = H0 * c0 - tau0
    if not delta > 0:
        return None
    if not c0 > g0:
        return 0
    t = 1 if q == 0 else max(0, bk.ceil_int(bk.log(2 * H0 * (c0 - g0) / delta) / -bk.log1p(-s["eta_gamma"])))
    if s0 > 0 and not t * tau0 * H0 * H0 * s0 * s0 < delta / 2:
        return None
    return t


# --- Theorem 3: T_2 ------------------------------------------------------------------------------

def kappa(rho):
    """``τ(ρ)² s² = 4ρ²/(1−ρ²)²``: on a rising step ``η_eff² s² > κ(ρ_t)`` (``s² = ρ²/(1+ρ²)``)."""
    return 4 * rho * rho / ((1 - rho * rho) * (1 - rho * rho))


def t2_value(H, tau_on, rho, bk: Backend) -> int:
    """``⌈log(H/τ_on) / log(1 + κ(ρ))⌉`` (≥ 1; H > τ_on), as an exact Python int. In float64 the
    logarithms are taken in mpmath (80 bits): κ(ρ) underflows for ρ < 1e-154."""
    if bk.bounded_exponent:  # rho may be an mpf below the float64 range (Trajectory.rho_exact)
        r = _MP.mpf(float(rho)) if isinstance(rho, (float, int, np.floating)) else _MP.mpf(rho)
        x = _MP.mpf(float(H)) / _MP.mpf(float(tau_on))
        val = _MP.log(x) / _MP.log1p(kappa(r))
    else:
        val = bk.log(H / tau_on) / bk.log1p(kappa(rho))
    return max(1, bk.ceil_int(val))


def t2_at(traj, t: int, rho_kappa=None) -> tuple[int | None, object, object]:
    """``T_2 = ⌈log(H_t/τ(ρ_t)) / log(1 + κ(ρ_t))⌉`` from the state at a rising step t
    (``H_t = η a²/‖w_t‖²``); returns ``(T_2, H_t, τ(ρ_t))``. ``None`` if ``H_t ≤ τ(ρ_t)`` (then
    step t cannot rise: a contradiction the caller reports) or ``ρ_t ≥ 1``. ``rho_kappa``
    replaces ρ_t inside κ (only the deliberately false variants use it). ρ_t is read exactly
    (:meth:`Trajectory.rho_exact`: a floor-free float64 run below the float64 range); τ(ρ_t) from the
    column (τ = 2 to float64 precision there)."""
    bk = traj.backend
    rho = traj.rho_exact(t)
    H = traj["eta_eff"][t] * traj.instance.a / traj["gamma"][t]  # η a²/‖w_t‖² = η_eff,t · a/γ_t
    tr = tau(traj["rho"][t], bk)
    if not (rho < 1 and H > tr):
        return None, H, tr
    return t2_value(H, tr, rho if rho_kappa is None else rho_kappa, bk), H, tr


def as_float(n: int, limit: float = 1e300) -> float:
    """An int as a float, capped at ``limit`` (T_2 can exceed the float range)."""
    return float(n) if n < limit else limit


def order(n: int) -> str:
    # the decimal exponent from the logarithm: str() of an int beyond 4300 digits raises (and a T_2 from
    # an exact ρ ~ 1e-2000 at onset has more)
    return str(n) if n < 10**9 else f"~1e{int(math.log10(n))}"


# --- horizons and strategies shared by the whitened edge statements ------------------------------

def headroom(traj) -> np.ndarray:
    """``H_t = η a²/‖w_t‖² = η_eff,t · a/γ_t`` per step (backend numbers)."""
    return traj["eta_eff"] * traj.instance.a / traj["gamma"]


def settle_time(traj) -> int | None:
    """First t with ``H_t ≤ 2``, or None. From then on no step can rise (γ_s ≤ a and ‖w_s‖ ≥ ‖w_t‖
    give η_eff,s ≤ H_t ≤ 2 ≤ τ(ρ_s) for s ≥ t: the argument of Theorem 2 (1) started at t), so the
    rest of the run is one falling edge."""
    H = headroom(traj)
    if H.dtype == np.float64:  # vectorised (nan compares False, as in the loop)
        hit = np.flatnonzero(H <= 2)
        return int(hit[0]) if hit.size else None
    for t in range(len(H)):  # balls: compare in order, stop at the first (a later one may be Uncertain)
        if H[t] <= 2:
            return t
    return None


SETTLE_MARGIN = 50


def pilot_first_edge(inst, hyper, budget: int) -> dict:
    """A float64 reduced pilot run of ``budget`` steps: its first onset ``t_on``, ``T_2(t_on)``
    and its settle time (first t with ``H_t ≤ 2``). Used only to *choose* a horizon; the checks
    themselves use the trajectory at their own precision.

    The run stops early once it has seen its first onset and its settle time and reached
    ``t_settle + SETTLE_MARGIN`` (the horizon :func:`edge_horizon` chooses never goes further): the
    three constants are then final — the first onset and the first settle step are what they are
    whatever follows. The run is kept (:func:`bnverify.numerics.simulate.register_known`), so a float64
    run of the same example up to that horizon is cut from it instead of simulated again."""
    from bnverify.numerics.simulate import simulate_reduced

    tr = simulate_reduced(inst, hyper, horizon=budget, backend="float64", pilot_margin=SETTLE_MARGIN)
    return pilot_constants(tr)


def pilot_constants(tr) -> dict:
    """``pilot_onset``, ``pilot_T2``, ``pilot_settle`` of a pilot trajectory (full or stopped by
    ``simulate_reduced(…, pilot_margin=…)``)."""
    on = tr.first_onset()
    T2 = t2_at(tr, on)[0] if on is not None else None
    return dict(pilot_onset=on, pilot_T2=T2, pilot_settle=settle_time(tr))


def edge_horizon(c: dict, cap: int) -> int:
    """``min(cap, t_on + T_2(t_on) + 1, t_settle + SETTLE_MARGIN)`` from the pilot: the first
    edge's duration bound, and the step after which no edge can start (``H_t ≤ 2``)."""
    on, T2, st = c.get("pilot_onset"), c.get("pilot_T2"), c.get("pilot_settle")
    h = cap
    if on is not None and T2 is not None:
        h = min(h, on + T2 + 1)
    if st is not None:
        h = min(h, st + SETTLE_MARGIN)
    return int(h)


# float64 reduced runs carry β itself, but β can fall below the smallest normal double (ρ falls
# geometrically for hundreds of steps): there it loses relative precision and finally flushes to 0,
# which hides rising steps. Such runs are marked unresolved so the adjudicator re-decides them in
# mpmath (whose exponent range is unbounded).
UNDERFLOW_GUARD = 1e-290


def labels_unresolved(traj, upto: int | None = None) -> bool:
    """True if the rising/falling labels (and the exact ρ_t of :meth:`Trajectory.rho_exact`) of a
    float64 run may be wrong at some ``t ≤ upto`` because β came near the subnormal range
    (:func:`underflowed`) — never for a floor-free run (β carried as m·2^k), which labels every step
    exactly; always False in mpmath. Checks that read only labels and ρ_t through ``rho_exact`` use
    this; a check doing float arithmetic on tiny ρ_t values needs :func:`underflowed`."""
    if getattr(traj, "floor_free", False):
        return False
    return underflowed(traj, upto)


def underflowed(traj, upto: int | None = None) -> bool:
    """True if a float64 run's β came within ``UNDERFLOW_GUARD`` of the subnormal range at some
    ``t ≤ upto`` (default: anywhere); always False in mpmath."""
    if traj.backend.dtype is not np.float64:
        return False
    beta = np.abs(np.asarray(traj["beta"], dtype=float))
    if upto is not None:
        beta = beta[: upto + 1]
    return bool(beta.size and beta.min() < UNDERFLOW_GUARD)


# --- Theorem 3: a comparison-system bound T_2' (comparison-v2) -------------------------------------

def t2_comparison(traj, t: int, budget: int = 2_000_000) -> tuple[int | None, int]:
    """``T_2'``: a bound on the number of rising steps of the edge starting at the rising step t,
    from two-sided bounds on the state propagated while the edge lasts (derivation:
    theorems/thm3_duration.md, "comparison-v2"). With ``j`` steps into the edge (steps
    ``t … t+j−1`` rising) the scan keeps ``ρ̲ ≤ ρ ≤ ρ̄``, ``W̲ ≤ ‖w‖²/‖w_t‖² ≤ W̄``,
    ``g̲ ≤ γ/a ≤ ḡ`` and stops at the first j where step t+j provably cannot rise
    (``η̄ ≤ τ(ρ̲)``); at every j it also applies the v1 bound from the bounded state,
    ``j + ⌈log(H̄/τ(ρ̲))/log(1 + κ(ρ̲))⌉``, and returns the smallest value found, with the
    number of scanned steps. ``None`` if step t does not satisfy ``H_t > τ(ρ_t)``."""
    bk = traj.backend
    f64 = bk.bounded_exponent
    if f64:
        conv, sqrt = float, math.sqrt
    else:
        conv, sqrt = (lambda x: x), bk.sqrt
    a = traj.instance.a
    rho0 = conv(traj["rho"][t])
    g0 = conv(traj["gamma"][t] / a)
    H = conv(traj["eta_eff"][t] * a / traj["gamma"][t])
    q = conv(1 - traj.hyper.resolve(traj.instance).eta_gamma)
    one = conv(1) if not f64 else 1.0

    def tau_(r):
        return 2 * sqrt(1 + r * r) / (1 - r * r) if r < 1 else None

    def c_(r):
        return one / sqrt(1 + r * r)

    def s2(r):
        return r * r / (1 + r * r)

    t0 = tau_(rho0)
    if t0 is None or not H > t0:
        return None, 0
    T2v1 = t2_value(H, t0, traj.rho_exact(t) if f64 else rho0, bk)
    best = T2v1
    rl, ru, Wl, Wu, gl, gu = rho0, rho0, one, one, g0, g0
    j = 0
    while j < best and j < budget:
        Hu, Hl = H / Wl, H / Wu
        etau, etal = Hu * gu, Hl * gl
        tl = tau_(rl)
        if tl is None or not etau > tl:  # step t+j cannot rise: the edge has at most j rising steps
            best = min(best, j)
            break
        if j > 0 and j % 64 == 0 and rl > 0:  # v1 from the bounded state (every 64 steps: it costs two logs)
            best = min(best, j + t2_value(Hu, tl, rl, bk))
        # rising at t+j needs τ(ρ) < η ≤ η̄, i.e. ρ < τ⁻¹(η̄)
        if etau >= 2:
            ru = min(ru, sqrt((etau - 2) * (etau + 2) / (etau * etau + 2 + 2 * sqrt(2 * etau * etau + 1))))
        cu, cl = c_(rl), c_(ru)
        s2u, s2l = s2(ru), s2(rl)
        tu = tau_(ru)
        # lower growth of ρ: 1 + (c² − s²)(η − τ(ρ))/(c + η s²), increasing in η
        if tu is not None and etal > tu:
            Rl = 1 + ((1 - ru * ru) / (1 + ru * ru)) * (etal - tu) / (cu + etal * s2u)
        else:
            Rl = one
        Ru = etau * cu - 1  # ρ_{t+1}/ρ_t ≤ η c − 1
        kap = 4 * rl * rl / ((1 - rl * rl) * (1 - rl * rl))
        Wl_next = Wl * (1 + max(kap, etal * etal * s2l))
        Wu_next = Wu * (1 + etau * etau * s2u)
        gl, gu = q * gl + (1 - q) * cl, min(one, q * gu + (1 - q) * cu)
        rl, ru = rl * Rl, ru * Ru
        Wl, Wu = Wl_next, Wu_next
        j += 1
    return int(best), j
