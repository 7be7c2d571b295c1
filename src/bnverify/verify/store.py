"""A results store: finished units of work stream to JSON-lines files under one folder, so that an
interrupted run resumes where it stopped and decides nothing twice.

Layout: one file per campaign, ``<folder>/<statement key>__<backend>.jsonl`` (characters outside
``[A-Za-z0-9._@-]`` replaced, plus a short hash of the exact key so that two keys never share a
file). Each line is one finished unit, *all* its records in the same line::

    {"unit": "<Unit.id>", "key": ..., "backend": ..., "searcher": ..., "seed": ...,
     "fields": {<the unit's fields>}, "records": [<plain-data records>], "written": "<UTC time>"}

A unit is done exactly when its line is complete: a line is written with one ``write`` of the whole
line, flushed and fsync'ed; a line cut short by an interrupt does not parse and is ignored (the
unit is redone), and the next append starts on a fresh line. Only one process (the driver) writes;
workers return records to it. Floats ``inf``/``nan`` are written as JSON's ``Infinity``/``NaN``
(Python's ``json`` reads them back).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._@-]+")


def campaign_file_name(key: str, backend: str) -> str:
    """A file name for the campaign ``(key, backend)``: readable, and unique by a hash of both."""
    h = hashlib.sha1(f"{key}\0{backend}".encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', key)[:120]}__{_UNSAFE.sub('_', backend)}__{h}.jsonl"


class Store:
    """Finished units under ``folder`` (created if missing). ``done(unit_id)``, ``get(unit_id)``
    (its records), ``put(unit, records)``, ``records(key, backend)`` (every stored record of one
    campaign, in the order written), ``campaigns()``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        if self.folder.exists() and not self.folder.is_dir():
            raise ValueError(f"store: not a directory: {self.folder}")
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lines: dict[str, dict] = {}  # unit id -> its line (the last complete one)
        self.skipped_lines = 0  # lines that did not parse (a write cut short)
        for path in sorted(self.folder.glob("*.jsonl")):
            self._read(path)

    def _read(self, path: Path):
        with open(path, "rb") as f:
            for raw in f:
                if not raw.endswith(b"\n"):
                    self.skipped_lines += 1  # the last line of an interrupted write
                    continue
                try:
                    line = json.loads(raw)
                    uid = line["unit"]
                    line["records"]  # noqa: B018  (must be there)
                except (ValueError, KeyError, TypeError):
                    self.skipped_lines += 1
                    continue
                self._lines[uid] = line

    def path(self, key: str, backend: str) -> Path:
        return self.folder / campaign_file_name(key, backend)

    def done(self, unit_id: str) -> bool:
        return unit_id in self._lines

    def get(self, unit_id: str) -> list[dict] | None:
        line = self._lines.get(unit_id)
        return None if line is None else line["records"]

    def __len__(self) -> int:
        return len(self._lines)

    def put(self, unit, records: list[dict]) -> None:
        """Append the finished ``unit`` with all its ``records`` as one line (atomic: see the module
        docstring). A unit already stored is not written again."""
        if unit.id in self._lines:
            return
        line = dict(unit=unit.id, key=unit.key, backend=unit.backend, searcher=unit.searcher,
                    seed=getattr(unit, "seed", None), fields=unit.to_dict(), records=records,
                    written=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
        data = (json.dumps(line) + "\n").encode()
        path = self.path(unit.key, unit.backend)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size:  # a previous write cut short leaves no newline: start on a fresh line
                with open(path, "rb") as f:
                    f.seek(size - 1)
                    if f.read(1) != b"\n":
                        data = b"\n" + data
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        self._lines[unit.id] = json.loads(data)

    def records(self, key: str, backend: str = "float64", *, seed="any") -> list[dict]:
        """Every stored record of the campaign ``(key, backend)`` (optionally of one ``seed``), unit
        by unit in the order written; pass them to :func:`bnverify.verify.summary.campaign_result`."""
        out = []
        for line in self._lines.values():
            if line["key"] == key and line["backend"] == backend and (seed == "any" or line.get("seed") == seed):
                out.extend(line["records"])
        return out

    def campaigns(self) -> list[tuple[str, str]]:
        """The ``(key, backend)`` pairs with at least one stored unit, in first-written order."""
        seen = {}
        for line in self._lines.values():
            seen.setdefault((line["key"], line["backend"]), None)
        return list(seen)
