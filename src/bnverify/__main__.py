"""``python -m bnverify`` — the command line (:mod:`bnverify.cli`)."""
import sys

from bnverify.cli import main

sys.exit(main())
