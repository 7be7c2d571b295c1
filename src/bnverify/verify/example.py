"""An Example is one input to a statement: an instance spec plus hyperparameters. It is plain
data (JSON round-trip) so that a counterexample can be reproduced anywhere, at any precision."""
from __future__ import annotations

import json
from dataclasses import dataclass

from bnverify.numerics.hyper import Hyper
from bnverify.numerics.instances import Instance, build


INSTANCE_CACHE = 256
_INSTANCES: dict = {}
# bytes per entry of X an instance takes at its peak while built, per kind of number (measured with
# tracemalloc on whitened_regression: float64 ~56, arb balls ~650, mpmath ~1,000 at 50 to 200 digits)
BYTES_PER_ENTRY = {"float64": 64, "arb": 700, "mpmath": 1100}


def available_memory() -> int | None:
    """Bytes of memory available to new allocations (Linux ``MemAvailable``, else all physical
    memory), or None when unknown."""
    import os

    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def cached_instance(builder: str, kwargs: tuple, backend="float64") -> Instance:
    """``build((builder, dict(kwargs)), backend)``, built once per (spec, precision) and then shared
    (an instance is never modified after it is built; the last :data:`INSTANCE_CACHE` are kept)."""
    from bnverify.numerics.backends import get_backend

    bk = get_backend(backend)
    try:
        key = (builder, tuple(kwargs), bk)
        hit = _INSTANCES.get(key)
    except TypeError:  # unhashable kwargs (arrays): no caching
        return build((builder, dict(kwargs)), bk)
    if hit is None:
        hit = build((builder, dict(kwargs)), bk)
        if len(_INSTANCES) >= INSTANCE_CACHE:
            _INSTANCES.pop(next(iter(_INSTANCES)))
        _INSTANCES[key] = hit
    return hit


@dataclass(frozen=True)
class Example:
    builder: str
    kwargs: tuple  # sorted (key, value) pairs — hashable
    hyper: Hyper

    @classmethod
    def make(cls, builder: str, hyper: Hyper, **kwargs) -> "Example":
        return cls(builder, tuple(sorted(kwargs.items())), hyper)

    @property
    def spec(self):
        return (self.builder, dict(self.kwargs))

    def instance(self, backend="float64") -> Instance:
        """The instance at ``backend`` (:func:`cached_instance`)."""
        return cached_instance(self.builder, self.kwargs, backend)

    def memory_estimate(self, backends) -> int | None:
        """Bytes the instances of this example take at ``backends`` (each built once and cached:
        they add up), from :data:`BYTES_PER_ENTRY`; None when the spec has no integer ``n``, ``d``
        within the documented limits (the builder refuses those, naming the limit)."""
        from bnverify.numerics.backends import get_backend
        from bnverify.numerics.hyper import MAX_ENTRIES, MAX_SIZE

        kw = dict(self.kwargs)
        n, d = kw.get("n"), kw.get("d")
        if not (type(n) is int and type(d) is int and 0 < n <= MAX_SIZE and 0 < d <= MAX_SIZE
                and n * d <= MAX_ENTRIES):
            return None
        names = {get_backend(b).name for b in backends}
        kinds = ["float64" if b == "float64" else "arb" if b.startswith("arb") else "mpmath" for b in names]
        return n * d * sum(BYTES_PER_ENTRY[k] for k in kinds)

    def to_dict(self) -> dict:
        return {"instance": {"builder": self.builder, **dict(self.kwargs)}, "hyper": self.hyper.to_dict()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "Example":
        inst = dict(d["instance"])
        builder = inst.pop("builder")
        return cls.make(builder, Hyper.from_dict(d["hyper"]), **inst)

    @classmethod
    def from_json(cls, s: str) -> "Example":
        return cls.from_dict(json.loads(s))

    def short(self) -> str:
        kw = ", ".join(f"{k}={v}" for k, v in self.kwargs)
        hp = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.hyper.to_dict().items())
        return f"{self.builder}({kw}); Hyper({hp})"
