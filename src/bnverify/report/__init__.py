"""The report: campaigns of every statement and mutant, figures, markdown pages.

* :mod:`.run` — run settings, campaigns as plain data, the run's outcome and exit status, environment;
* :mod:`.deep` — ``bnverify deep`` (``make deep``): a large resumable run and its markdown summary;
* :mod:`.tables` — summary, mutant and verdict tables (pandas);
* :mod:`.figures` — matplotlib (Agg) figures: Section 6, phase diagram, float64 vs mpmath, slack histograms;
* :mod:`.markdown` — ``REPORT.md`` and one page per statement;
* :mod:`.build` — the whole report folder, written beside ``--out`` and swapped in atomically.
"""
from bnverify.report.run import DEFAULT_F64, DEFAULT_MP, RunSettings  # noqa: F401
