"""The author's face, ``bnverify.author``: its ``__all__`` is exactly the vocabulary AUTHORING §0
documents, and the shipped statements take that vocabulary from it (not from the modules behind it)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bnverify.author as author

ROOT = Path(__file__).resolve().parents[1]
AUTHORING = ROOT / "docs" / "AUTHORING.md"
STATEMENT_FILES = sorted((ROOT / "theorems").glob("*.py")) + sorted((ROOT / "docs" / "examples").glob("*.py"))


def documented() -> list[str]:
    """The names of the ``from bnverify.author import (...)`` block of AUTHORING §0."""
    text = AUTHORING.read_text(encoding="utf-8")
    section = text.split("## 0. One import", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"from bnverify\.author import \((.*?)\)\n```", section, re.S).group(1)
    return [n for line in block.splitlines() for n in re.findall(r"\w+", line.split("#", 1)[0])]


def test_all_is_exactly_the_documented_vocabulary():
    names = documented()
    assert len(names) == len(set(names)), "a name is documented twice"
    assert len(author.__all__) == len(set(author.__all__))
    assert set(author.__all__) == set(names)
    for n in names:
        assert getattr(author, n) is not None


@pytest.mark.parametrize("path", STATEMENT_FILES, ids=lambda p: p.name)
def test_shipped_statements_take_the_vocabulary_from_the_face(path):
    face = set(author.__all__)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    elsewhere = [(node.module, a.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module != "bnverify.author" and (node.module or "").startswith("bnverify.")
                 for a in node.names if a.name in face]
    assert not elsewhere, f"{path.name} imports the author's vocabulary from behind the face: {elsewhere}"
