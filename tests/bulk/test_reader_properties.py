"""Property-based tests of the CSV reader (R-C5): never a crash, always rows or a clear error."""

from __future__ import annotations

import csv
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from phonedesk.bulk.reader import CsvFile, FileRejected, Row
from phonedesk.models import Account
from phonedesk.spreadsheet import neutralise, unneutralise

FIELDS = ["public_id", "first_name", "last_name", "email", "username"]
LABELS = ["Internal ID", "First Name", "Last Name", "Email Address", "Username"]


def _account() -> Account:
    return Account(name="Acme", custom_field_1_label="Department")


def _read(data: bytes, *, max_rows: int = 1000) -> list[Row] | FileRejected:
    source = CsvFile(io.BytesIO(data), _account(), max_bytes=1_000_000, max_rows=max_rows)
    try:
        source.open()
        return list(source.rows())
    except FileRejected as exc:
        assert exc.message.strip()
        return exc
    finally:
        source.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    _read(data)


header_line = st.sampled_from([
    "Internal ID,First Name,Last Name,Email Address,Username\r\n",
    "internal id;first name;last name;email address;username\n",
    "\ufeffInternal ID\tFirst Name\tLast Name\tEmail Address\tUsername\tDepartment\r\n",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header_line, st.binary(max_size=1000))
def test_valid_header_then_random_bytes_never_crash(header: str, tail: bytes) -> None:
    _read(header.encode("utf-8") + tail)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header_line, st.text(max_size=500))
def test_valid_header_then_random_text_never_crash(header: str, tail: str) -> None:
    for encoding in ("utf-8", "cp1252"):
        try:
            data = (header + tail).encode(encoding)
        except UnicodeEncodeError:
            continue
        _read(data)


cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"),
    max_size=20,
)
rows_strategy = st.lists(st.lists(cell, min_size=5, max_size=5), max_size=20)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows_strategy,
    delimiter=st.sampled_from([",", ";", "\t"]),
    newline=st.sampled_from(["\r\n", "\n"]),
    bom=st.booleans(),
    quote_all=st.booleans(),
)
def test_written_csv_reads_back_cell_for_cell(
    rows: list[list[str]], delimiter: str, newline: str, bom: bool, quote_all: bool
) -> None:
    """Whatever csv.writer (or Excel) writes, the reader returns the same cells,
    skips blank lines, numbers rows as a spreadsheet does and undoes R-C6."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(LABELS)
    writer.writerows([[neutralise(c) for c in row] for row in rows])
    data = buf.getvalue().encode("utf-8")
    result = _read(b"\xef\xbb\xbf" + data if bom else data)
    assert not isinstance(result, FileRejected), result.message
    expected = [(n + 2, row) for n, row in enumerate(rows) if any(c.strip() for c in row)]
    assert [(r.number, [r.values[f] for f in FIELDS]) for r in result] == expected


@given(st.text(max_size=30))
def test_neutralise_round_trips_and_defuses(value: str) -> None:
    """R-C6: what export writes never starts a formula; import restores the value."""
    written = neutralise(value)
    assert unneutralise(written) == value
    assert written[:1] not in {"=", "+", "-", "@", "\t", "\r"}


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=5), st.integers(min_value=0, max_value=8))
def test_row_limit_is_a_clear_error(limit: int, count: int) -> None:
    lines = ["Internal ID,First Name,Last Name,Email Address,Username"]
    lines += [f",A{i},B,a{i}@x.example,u{i}" for i in range(count)]
    result = _read("\n".join(lines).encode(), max_rows=limit)
    if count > limit:
        assert isinstance(result, FileRejected) and f"more than {limit}" in result.message
    else:
        assert not isinstance(result, FileRejected) and len(result) == count
