"""The statement collection itself: discoverable, documented, each with a mutant, derivations
present, keys unique, and user folders (``--theorems DIR``) add versions beside the project's."""
import re
import textwrap
from pathlib import Path

import pytest

from bnverify import registry
from bnverify.statement import KINDS, PROVENANCES

STATEMENTS = registry.load()
MUTANTS = registry.load(mutants=True)
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
def test_every_statement_has_a_test_module(stmt):
    tests = " ".join(p.read_text() for p in Path(__file__).parent.glob("test_stmt_*.py"))
    assert stmt.key in tests or f'"{stmt.id}' in tests, f"{stmt.key}: no tests/test_stmt_*.py checks it"


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
        from bnverify.registry import DEFAULT_DIR
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("_base_thm2", DEFAULT_DIR / "thm2_no_rising_edge.py")
        base = importlib.util.module_from_spec(spec); spec.loader.exec_module(base)

        class Revised(base.NoRisingEdge):
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
