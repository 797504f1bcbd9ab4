"""What every CSV file PhoneDesk writes or reads shares with a spreadsheet (R-C5, R-C6).

The profile template and export, the importer and the audit-log export all
neutralise formulas, compare headers and write Excel-friendly chunks through
this module, so the two directions can never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

# Characters that make a spreadsheet treat a cell as a formula (R-C6).
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
BOM = "\ufeff"


def header_key(text: str) -> str:
    """How headers are compared: case-insensitively, ignoring spaces and a BOM (R-C5)."""
    return text.replace(BOM, "").strip().casefold()


def _is_formula_like(value: str) -> bool:
    # A value that already starts with quotes before a trigger gets one more, so
    # that unneutralise() returns exactly the original.
    return value.lstrip("'")[:1] in FORMULA_TRIGGERS and value[:1] != ""


def neutralise(value: str) -> str:
    """Prefix ``'`` to a cell a spreadsheet would run as a formula (R-C6)."""
    if value and (value[0] in FORMULA_TRIGGERS or (value[0] == "'" and _is_formula_like(value))):
        return "'" + value
    return value


def unneutralise(value: str) -> str:
    """Remove the one ``'`` that :func:`neutralise` added (R-C6)."""
    if value[:1] == "'" and _is_formula_like(value):
        return value[1:]
    return value


class CsvChunks:
    """Rows written as UTF-8 CSV with CRLF line ends, handed out in chunks.

    Exports stream: each batch of rows becomes one chunk of bytes, so memory
    stays flat however many rows there are. Every cell is neutralised.
    """

    def __init__(self, *, bom: bool = True) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        if bom:
            self._buffer.write(BOM)

    def write(self, rows: Iterable[Iterable[str]]) -> bytes:
        """Write ``rows`` and return everything not yet handed out."""
        self._writer.writerows([neutralise(cell) for cell in row] for row in rows)
        return self.take()

    def take(self) -> bytes:
        chunk = self._buffer.getvalue().encode("utf-8")
        self._buffer.seek(0)
        self._buffer.truncate()
        return chunk
