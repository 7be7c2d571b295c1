"""The float audit: which ``float()`` of a non-exact :class:`~.ball.Ball` may have decided something.

``float(ball)`` is the midpoint, for display only. Inside ``with float_audit() as sites:`` every
``float()`` of a non-exact ball that is not display — not an f-string replacement field, not a
``Verdict``'s float fields or relative slack — is counted in ``sites`` (``"file:line (function)"`` →
count); ``bnverify.verify.certify`` audits a statement's check this way. The sites being recorded
are held in a context variable (one per thread or task), never in module state.
"""
from __future__ import annotations

import ast
import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

_SITES: ContextVar[dict[str, int] | None] = ContextVar("bnverify_float_sites", default=None)


@contextmanager
def float_audit():
    """Record the deciding ``float()`` sites of balls inside the block; yields the dict it fills."""
    sites: dict[str, int] = {}
    token = _SITES.set(sites)
    try:
        yield sites
    finally:
        _SITES.reset(token)


def recording() -> bool:
    """True inside :func:`float_audit`."""
    return _SITES.get() is not None


def record(frame) -> None:
    """Record where ``float(ball)`` was called (``frame``: the caller), unless the call is display:
    an argument of an f-string replacement field (a message), or the float fields / relative slack
    of a Verdict."""
    sites = _SITES.get()
    if sites is None:
        return
    code = frame.f_code
    fn = code.co_filename
    if fn.endswith(os.path.join("bnverify", "verify", "statement.py")) and code.co_name in ("__post_init__", "_rel"):
        return
    try:
        pos = list(code.co_positions())[frame.f_lasti // 2]
    except (AttributeError, IndexError):
        pos = (frame.f_lineno, None, None, None)
    if pos[0] is not None and pos[2] is not None and _inside_fstring(fn, pos):
        return
    key = f"{os.path.basename(fn)}:{frame.f_lineno} ({code.co_name})"
    sites[key] = sites.get(key, 0) + 1


@lru_cache(maxsize=256)
def _fstring_spans(filename: str) -> tuple:
    """Source spans ``(line, col, end_line, end_col)`` of the f-string replacement fields in a file."""
    try:
        with open(filename, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
    except (OSError, SyntaxError, ValueError):
        return ()
    return tuple((n.lineno, n.col_offset, n.end_lineno, n.end_col_offset)
                 for n in ast.walk(tree) if isinstance(n, ast.FormattedValue))


def _inside_fstring(filename: str, pos) -> bool:
    line, end_line, col, end_col = pos
    for l0, c0, l1, c1 in _fstring_spans(filename):
        if (l0, c0) <= (line, col) and (end_line or line, end_col or col) <= (l1, c1):
            return True
    return False
