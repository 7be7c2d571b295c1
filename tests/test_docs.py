"""The product's documentation is self-contained: every relative link resolves inside the
repository, nothing points outside it to the shared source material, and every statement the suite
ships appears in docs/THEORY.md's statement index and in the paper-claims map
(``bnverify.report.claims.PAPER_CLAIMS``), whose keys all exist."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from bnverify.verify import registry
from bnverify.report import claims

ROOT = Path(__file__).resolve().parents[1]
THEORY = ROOT / "docs" / "THEORY.md"
# the folder beside the repository that held the source material (spelled in two parts so that
# this file does not itself contain the string it searches for)
OUTSIDE = "/".join(("..", "shared"))

# [text](target) and ![alt](target); reference definitions "[label]: target"
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REF_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?\s*(?:\"[^\"]*\"|'[^']*'|\([^)]*\))?\s*$", re.M)
CODE_SPAN = re.compile(r"```.*?```|`[^`\n]*`", re.S)
ANCHOR_ID = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")
HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)


def markdown_files() -> list[Path]:
    files = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"] + sorted((ROOT / "theorems").glob("*.md"))
    return [f for f in files if f.is_file()]


def links(text: str) -> list[str]:
    """Link targets outside code spans and fenced blocks."""
    text = CODE_SPAN.sub("", text)
    return INLINE_LINK.findall(text) + REF_LINK.findall(text)


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    h = re.sub(r"<[^>]+>", "", heading).strip().lower()
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(ANCHOR_ID.findall(text)) | {slug(h) for h in HEADING.findall(CODE_SPAN.sub("", text))}


def test_markdown_files_found():
    names = {f.relative_to(ROOT).as_posix() for f in markdown_files()}
    assert {"README.md", "docs/THEORY.md", "theorems/THEORY_ERRATA.md"} <= names


@pytest.mark.parametrize("md", markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_resolve(md):
    broken = []
    for target in links(md.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("#"):
            continue  # http(s), mailto …; pure in-page anchors
        path, _, fragment = target.partition("#")
        dest = (md.parent / path).resolve()
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif ROOT not in dest.parents and dest != ROOT:
            broken.append(f"{target}: outside the repository")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            broken.append(f"{target}: no anchor #{fragment} in {dest.relative_to(ROOT)}")
    assert not broken, f"{md.relative_to(ROOT)}: " + "; ".join(broken)


def repository_files() -> list[Path]:
    """Tracked and untracked-but-not-ignored files (so build products such as *.egg-info, which
    copy the README of the moment, do not count); without git, every file outside .git/.venv."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=ROOT, capture_output=True, check=True).stdout
        files = [ROOT / p for p in out.decode("utf-8", "surrogateescape").split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        files = [p for p in ROOT.rglob("*") if p.is_file()]
    return [p for p in files if p.is_file() and not {".git", ".venv"} & set(p.relative_to(ROOT).parts)]


def test_nothing_points_outside_the_repository():
    offenders = []
    for p in repository_files():
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary (figures, …)
        if OUTSIDE in text:
            offenders.append(p.relative_to(ROOT).as_posix())
    assert not offenders, f"files pointing to {OUTSIDE}: {offenders}"


def statement_index_keys() -> set[str]:
    text = THEORY.read_text(encoding="utf-8")
    head = re.search(r"^## Statement index\s*$", text, re.M)
    assert head, "docs/THEORY.md has no '## Statement index' section"
    section = text[head.end():]
    nxt = re.search(r"^## ", section, re.M)
    section = section[: nxt.start()] if nxt else section
    return set(re.findall(r"^\|\s*`([^`]+@[^`]+)`\s*\|", section, re.M))


@pytest.fixture(scope="module")
def shipped_keys() -> list[str]:
    keys = [s.key for s in registry.shipped()]
    assert keys, "registry.shipped() found no statements"
    return keys


def test_every_statement_is_in_the_theory_index(shipped_keys):
    indexed = statement_index_keys()
    missing = [k for k in shipped_keys if k not in indexed]
    assert not missing, f"statement keys missing from the statement index of docs/THEORY.md: {missing}"
    stale = sorted(indexed - set(shipped_keys))
    assert not stale, f"docs/THEORY.md indexes keys that no statement has: {stale}"


def test_every_statement_is_mapped_to_a_paper_claim(shipped_keys):
    claimed = {k for c in claims.PAPER_CLAIMS for k in c.statements}
    missing = [k for k in shipped_keys if k not in claimed]
    assert not missing, f"statement keys in no entry of PAPER_CLAIMS: {missing}"


def test_every_claimed_key_exists(shipped_keys):
    unknown = sorted({k for c in claims.PAPER_CLAIMS for k in c.statements} - set(shipped_keys))
    assert not unknown, f"PAPER_CLAIMS names keys that no statement has: {unknown}"


def test_paper_claims_are_well_formed():
    refs = [c.ref for c in claims.PAPER_CLAIMS]
    assert len(refs) == len(set(refs)), "duplicate paper references"
    assert refs[0] == "Lemma 1"
    for c in claims.PAPER_CLAIMS:
        assert c.claim and "\n" not in c.claim, c.ref
        assert c.statements or c.note, f"{c.ref}: unencoded claim without a reason"
        assert len(set(c.statements)) == len(c.statements), c.ref
    with pytest.raises(ValueError):
        claims.Claim("Lemma 99", "no statements and no reason")
    with pytest.raises(TypeError):
        claims.Claim("Lemma 99", "a list, not a tuple", ["lemma1.decomposition@exact-v1"])


def test_claims_table_rows():
    first = claims.PAPER_CLAIMS[0].statements[0]
    rows = claims.claims_table({first: "holds"})
    assert len(rows) == len(claims.PAPER_CLAIMS)
    assert all(set(r) == {"paper claim", "statement versions", "verdicts"} for r in rows)
    assert rows[0] == {"paper claim": f"Lemma 1: {claims.PAPER_CLAIMS[0].claim}",
                       "statement versions": first, "verdicts": "holds"}
    by_ref = dict(zip((c.ref for c in claims.PAPER_CLAIMS), rows))
    two = by_ref["Theorem 2 (2)"]
    assert two["statement versions"] == "thm2.delayed_onset@reconstructed-v1, thm2.delayed_onset@closed-form-v1"
    assert two["verdicts"] == "not run / not run"
    assert by_ref["Theorem 2 (waiting time)"]["statement versions"] == "not encoded"
    assert by_ref["Theorem 2 (waiting time)"]["verdicts"].startswith("— Not encoded")
    with pytest.raises(TypeError):
        claims.claims_table([("lemma1.decomposition@exact-v1", "holds")])
    with pytest.raises(TypeError):
        claims.claims_table({"lemma1.decomposition@exact-v1": 1})


def test_theory_quotes_the_latest_deep_run():
    """docs/THEORY.md's table of tightness sups is the one the committed deep run's sups.json gives."""
    import json

    from bnverify.report.deep import THEORY_BEGIN, THEORY_END, theory_sups_table

    sups = ROOT / "reports" / "deep" / "sups.json"
    theory = (ROOT / "docs" / "THEORY.md").read_text()
    assert sups.exists(), "reports/deep/sups.json (make deep) is committed"
    assert THEORY_BEGIN in theory and THEORY_END in theory
    quoted = theory[theory.index(THEORY_BEGIN):theory.index(THEORY_END) + len(THEORY_END)]
    assert quoted == theory_sups_table(json.loads(sups.read_text())), \
        "regenerate the table: python -c 'from bnverify.report.deep import theory_sups_table; ...' (see docs/THEORY.md)"
