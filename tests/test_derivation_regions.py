"""Derivation pages cannot describe a retired search region: each page's ``## Search region`` section
is generated from the ``space()`` of the statements it derives, and this test fails when a page's
section differs from what the spaces give now. ``python tests/test_derivation_regions.py`` rewrites
the sections (after a space changes)."""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from bnverify.verify import registry

THEOREMS = Path(__file__).resolve().parents[1] / "theorems"
HEADING = "## Search region"
BEGIN = ("<!-- generated from the statements' space() by tests/test_derivation_regions.py "
         "(run it to rewrite this section); do not edit by hand -->")
END = "<!-- end of the generated search region -->"


def pages() -> dict[str, list]:
    """Derivation page name -> the shipped statements it derives (those with a space)."""
    out = defaultdict(list)
    for s in registry.shipped():
        if getattr(s, "derivation", None) and s.space() is not None:
            out[s.derivation].append(s)
    return dict(out)


def section(stmts) -> str:
    lines = [HEADING, "", BEGIN, ""]
    for s in stmts:
        sp = s.space()
        lines.append(f"**`{s.key}`**" + (f" — {sp.region}" if sp.region else ""))
        lines.append("")
        lines += [f"- `{d}`" for d in sp.describe()]
        for name, box in sp.focus_regions.items():
            where = ", ".join(f"{k} ∈ [{lo:g}, {hi:g}]" for k, (lo, hi) in box.items())
            lines.append(f"- focus region `{name}`: {where}")
        lines.append("")
    return "\n".join(lines + [END]) + "\n"


def current(text: str) -> str | None:
    """The page's generated section (heading to end marker), or None."""
    i = text.find(HEADING + "\n")
    j = text.find(END, i)
    return text[i:j + len(END)] + "\n" if i >= 0 and j >= 0 else None


def rewritten(text: str, stmts) -> str:
    old = current(text)
    new = section(stmts)
    if old is None:
        return text.rstrip("\n") + "\n\n" + new
    return text.replace(old, new)


@pytest.mark.parametrize("page", sorted(pages()))
def test_the_search_region_section_is_generated_from_the_space(page):
    stmts = pages()[page]
    text = (THEOREMS / page).read_text(encoding="utf-8")
    assert current(text) is not None, f"{page}: no '{HEADING}' section; run `python {Path(__file__).name}`"
    assert current(text) == section(stmts), (f"{page}: the search region differs from the statements' space(); "
                                             f"run `python tests/{Path(__file__).name}`")


if __name__ == "__main__":
    for page, stmts in pages().items():
        path = THEOREMS / page
        text = path.read_text(encoding="utf-8")
        new = rewritten(text, stmts)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote {path}", file=sys.stderr)
