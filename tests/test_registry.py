"""The statement collection itself: discoverable, documented, each with a mutant, derivations
present, keys unique, and user folders (``--theorems DIR``) add versions beside the project's."""
import re
import textwrap
from pathlib import Path

import pytest

from bnverify.verify import registry
from bnverify.verify.statement import KINDS, PROVENANCES

STATEMENTS = registry.shipped()
MUTANTS = registry.shipped(mutants=True)
SECTIONS = ("Setting", "Hypotheses", "Statement", "Bound kind", "Reference")


def test_statements_are_discovered():
    assert len(STATEMENTS) >= 1
    assert len({s.key for s in STATEMENTS}) == len(STATEMENTS)


@pytest.mark.parametrize("stmt", STATEMENTS, ids=lambda s: s.key)
def test_statement_is_documented(stmt):
    assert stmt.id and stmt.version and stmt.reference
    assert stmt.provenance in PROVENANCES
    assert stmt.kind in KINDS
    doc = Path(stmt.source_file).read_text().split('"""')[1]
    missing = [s for s in SECTIONS if not re.search(rf"^{s}\s*$", doc, re.M)]
    assert not missing, f"{stmt.source_file}: module docstring lacks sections {missing}"
    if stmt.provenance == "reconstructed":
        assert stmt.derivation, f"{stmt.key}: reconstructed statements need a derivation file"
    if stmt.derivation:
        assert (Path(stmt.source_file).parent / stmt.derivation).is_file(), f"missing {stmt.derivation}"


@pytest.mark.parametrize("stmt", STATEMENTS, ids=lambda s: s.key)
def test_every_statement_has_a_mutant(stmt):
    assert any(m.mutant_of == stmt.key for m in MUTANTS), f"{stmt.key} has no deliberately false variant"


@pytest.mark.parametrize("stmt", STATEMENTS, ids=lambda s: s.key)
def test_every_statement_declares_its_space(stmt):
    sp = stmt.space()
    assert sp.dim >= 1 and sp.decisive(), f"{stmt.key}: a space needs decisive parameters"
    assert sp.region, f"{stmt.key}: say which region the space maps onto"
    ex, values = sp.example([0.5] * sp.dim)
    assert ex.builder and set(values) == set(sp.names)


def test_every_needle_states_its_share_and_the_report_sizes_its_search_by_it():
    from bnverify.verify.planning import campaign_budget
    from bnverify.verify.statement import needle_fraction

    needles = [m for m in MUTANTS if getattr(m, "needle_share", None) is not None]
    assert needles
    for m in needles:
        p = needle_fraction(m)
        assert 0 < p < 0.1, (m.key, m.needle_share)
        b = campaign_budget(m, 16, "float64")
        assert b.sweep >= 3 / p and b.hunt >= 3 / p, (m.key, p, b)


def test_every_bound_statement_has_a_needle():
    needles = {m.mutant_of for m in MUTANTS if getattr(m, "needle_share", None) is not None}
    bounds = [s.key for s in STATEMENTS if s.kind in ("upper bound", "lower bound")
              and s.bound_source != "propagated enclosure" and not getattr(s, "needle_exempt", None)]
    missing = [k for k in bounds if k not in needles]
    assert not missing, f"bound statements without a needle mutant: {missing}"


def test_user_folder_adds_a_revised_version(tmp_path):
    (tmp_path / "my_revision.py").write_text(textwrap.dedent('''
        """Revised no-rising-edge (user folder).

        Setting
            as Theorem 2 (1).
        Hypotheses
            as Theorem 2 (1).
        Statement
            as Theorem 2 (1).
        Bound kind
            upper bound.
        Reference
            Theorem 2 (1).
        """
        from bnverify.theorems.thm2_no_rising_edge import NoRisingEdge

        class Revised(NoRisingEdge):
            version = "user-v2"

        STATEMENTS = [Revised()]
    '''))
    both = registry.load([tmp_path])
    keys = {s.key for s in both}
    assert "thm2.no_rising_edge@reconstructed-v1" in keys and "thm2.no_rising_edge@user-v2" in keys
    assert [s.key for s in registry.select(both, ["thm2.no_rising_edge"])].__len__() == 2


def test_unknown_statement_id_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown id"):
        registry.select(STATEMENTS, ["no.such.statement"])


def test_bad_theorem_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="theorems"):
        registry.load([tmp_path / "missing"])


def test_every_mutant_is_addressed_by_a_short_key():
    """``<base key>+<name>`` finds the same mutant as its full (description) key, everywhere a key
    is looked up; the short keys are unique."""
    from bnverify.verify.registry import load_statement
    from bnverify.verify.testing import find as find_in_tests

    shorts = [m.short_key for m in MUTANTS]
    assert len(set(shorts)) == len(shorts)
    for m in MUTANTS:
        assert m.short_key.startswith(m.mutant_of + "+") and len(m.mutant_name) <= 32, m.short_key
        assert load_statement(m.short_key, mutant=True).key == m.key
        assert find_in_tests(m.short_key, mutants=True).key == m.key
    assert load_statement("thm3.duration@comparison-v2+t2prime-halved").mutation == "T2' halved"
