"""The shipped statements: one module per lemma or theorem (``STATEMENTS`` and ``MUTANTS``), each
beside its derivation (``*.md``). Installed as ``bnverify.theorems``; discovered by
:func:`bnverify.verify.registry.load`."""
