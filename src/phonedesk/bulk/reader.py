"""Reading an uploaded CSV file as a stream of spreadsheet rows (R-C5).

The reader never holds the file in memory: a first pass over the bytes enforces
the size limit and decides the encoding (UTF-8, with or without BOM, else
Windows-1252 as Excel writes it on Windows); the second pass decodes and parses
it with the stdlib ``csv`` module. Every way a file can be unusable ends in
:class:`FileRejected` with a message for a person, never another exception.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from phonedesk.bulk.columns import EXTENSIONS, EXTENSIONS_LABEL, STANDARD_COLUMNS
from phonedesk.models import Account
from phonedesk.profiles import fields as catalogue
from phonedesk.spreadsheet import header_key, unneutralise

CHUNK = 1 << 20
SNIFF_BYTES = 1 << 16
DELIMITERS = {",": "commas", ";": "semicolons", "\t": "tabs"}


class FileRejected(Exception):
    """The file as a whole cannot be used; ``column`` names the header at fault."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass
class FileInfo:
    """What the reader learnt about the file before the first data row."""

    size: int
    encoding: str
    delimiter: str
    fields: list[str | None]  # profile field per column index; None = ignored column
    present: list[str]  # profile fields the file carries
    notices: list[str] = field(default_factory=list)


@dataclass
class Row:
    number: int  # spreadsheet row number, header = 1
    values: dict[str, str]  # field -> cell, formula prefix removed
    extra: bool = False  # cells beyond the header that are not blank


def _scan(stream: BinaryIO, max_bytes: int) -> tuple[int, str]:
    """Size and encoding, reading the bytes once in chunks."""
    size = 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    first = b""
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if not first:
            first = chunk[:4]
        size += len(chunk)
        if size > max_bytes:
            raise FileRejected(
                f"The file is larger than {max_bytes / 1_000_000:g} MB. Split it into smaller "
                "files and upload them one at a time."
            )
        if b"\x00" in chunk:
            if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise FileRejected(
                    "The file is saved as UTF-16 (“Unicode Text”). Save it as “CSV UTF-8” "
                    "and upload it again."
                )
            raise FileRejected(
                "This does not look like a CSV file: it contains binary data. Save the "
                "spreadsheet as “CSV UTF-8” and upload that file."
            )
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if size == 0:
        raise FileRejected("The file is empty. Download the template, fill it in and upload it.")
    return size, "utf-8-sig" if utf8 else "cp1252"


def _pick_delimiter(line: str) -> str:
    counts = {d: line.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _first_line(stream: BinaryIO, encoding: str) -> str:
    """The first non-blank line (of the first 64 KiB), for sniffing the delimiter."""
    head = stream.read(SNIFF_BYTES).decode(encoding, errors="replace")
    for line in head.splitlines():
        if line.strip():
            return line
    return ""


def _map_header(cells: list[str], account: Account) -> tuple[list[str | None], list[str]]:
    known = {header_key(label): fld for fld, label in STANDARD_COLUMNS}
    known[header_key(EXTENSIONS_LABEL)] = EXTENSIONS
    labels = {}
    for number, label in account.custom_labels().items():
        known[header_key(label)] = catalogue.custom_key(number)
        labels[catalogue.custom_key(number)] = label
    fields: list[str | None] = []
    seen: set[str] = set()
    for cell in cells:
        key = header_key(cell)
        if not key:
            fields.append(None)  # an unnamed column, such as a trailing delimiter
            continue
        shown = cell.replace("\ufeff", "").strip()
        fld = known.get(key)
        if fld is None:
            custom = ", ".join(f"“{label}”" for label in labels.values())
            hint = f" The custom field columns of this account are {custom}." if custom else (
                " This account has no custom fields; set their labels first to import them."
            )
            raise FileRejected(
                f"Unknown column “{shown}”. Check its spelling against the template.{hint}",
                column=shown,
            )
        if fld in seen:
            raise FileRejected(f"The column “{shown}” appears more than once.", column=shown)
        seen.add(fld)
        fields.append(fld)
    missing = [label for fld, label in STANDARD_COLUMNS if fld not in seen]
    if missing:
        names = ", ".join(f"“{m}”" for m in missing)
        raise FileRejected(
            f"Required column{'s' if len(missing) > 1 else ''} {names} "
            f"{'are' if len(missing) > 1 else 'is'} missing. Start from the downloaded template.",
            column=missing[0],
        )
    return fields, [f for f in fields if f is not None]


class CsvFile:
    """An uploaded file: :meth:`open` checks it, :meth:`rows` streams its rows."""

    def __init__(self, stream: BinaryIO, account: Account, *, max_bytes: int,
                 max_rows: int) -> None:
        self._stream = stream
        self._account = account
        self._max_bytes = max_bytes
        self._max_rows = max_rows
        self._text: io.TextIOWrapper | None = None
        self._reader: Iterator[list[str]] | None = None
        self._record = 0
        self.info: FileInfo | None = None

    def open(self) -> FileInfo:
        """Check size, encoding, delimiter and header; raise FileRejected if unusable."""
        stream = self._stream
        stream.seek(0)
        size, encoding = _scan(stream, self._max_bytes)
        stream.seek(0)
        delimiter = _pick_delimiter(_first_line(stream, encoding))
        stream.seek(0)
        self._text = io.TextIOWrapper(stream, encoding=encoding, newline="")
        self._reader = csv.reader(self._text, delimiter=delimiter, strict=False)
        header = self._next()
        while header is not None and not any(c.strip() for c in header):
            header = self._next()
        if header is None:
            raise FileRejected("The file has no header row. Start from the downloaded template.")
        fields, present = _map_header(header, self._account)
        notices = []
        if encoding == "cp1252":
            notices.append("The file is not UTF-8; it was read as Windows-1252 (what Excel "
                           "writes on Windows). Check that accented letters look right.")
        if delimiter != ",":
            notices.append(f"Columns are separated by {DELIMITERS[delimiter]}.")
        self.info = FileInfo(size=size, encoding=encoding, delimiter=delimiter, fields=fields,
                             present=present, notices=notices)
        return self.info

    def _next(self) -> list[str] | None:
        assert self._reader is not None
        try:
            record = next(self._reader, None)
        except csv.Error as exc:
            raise FileRejected(
                f"Row {self._record + 1} cannot be read as CSV ({exc}). A cell may have an "
                "unclosed quote or be far too long."
            ) from None
        except UnicodeDecodeError:
            raise FileRejected(
                "The file is neither UTF-8 nor Windows-1252 text. Save it as “CSV UTF-8”."
            ) from None
        if record is not None:
            self._record += 1
        return record

    def position(self) -> int:
        """Bytes consumed so far, for progress bars."""
        try:
            return self._stream.tell()
        except (OSError, ValueError):
            return 0

    def rows(self) -> Iterator[Row]:
        """Every non-blank data row; blank lines are skipped (R-C4)."""
        assert self.info is not None, "open() first"
        fields = self.info.fields
        width = len(fields)
        count = 0
        while True:
            record = self._next()
            if record is None:
                return
            if not any(cell.strip() for cell in record):
                continue
            count += 1
            if count > self._max_rows:
                raise FileRejected(
                    f"The file has more than {self._max_rows:,} rows. Split it into smaller "
                    "files and upload them one at a time."
                )
            values = {
                fld: unneutralise(cell) if cell[:1] == "'" else cell
                for fld, cell in zip(fields, record, strict=False)
                if fld is not None
            }
            extra = len(record) > width and any(c.strip() for c in record[width:])
            yield Row(self._record, values, extra)

    def close(self) -> None:
        if self._text is not None:
            self._text.detach()
            self._text = None
