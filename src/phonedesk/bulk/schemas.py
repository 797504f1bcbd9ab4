"""API shapes of imports and their preview rows (distinct from the ORM models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from phonedesk.api.common import Page
from phonedesk.bulk.service import RowView
from phonedesk.models import ImportBatch

Outcome = Literal["new", "changed", "unchanged", "error"]


class Counts(BaseModel):
    new: int
    changed: int
    unchanged: int
    error: int


class FileError(BaseModel):
    column: str | None = Field(description="The header at fault, if any")
    message: str


class FieldChange(BaseModel):
    field: str
    column: str = Field(description="The column header, as in the file")
    before: str | None
    after: str | None


class RowError(BaseModel):
    column: str | None
    message: str


class ImportRowOut(BaseModel):
    row: int = Field(description="Spreadsheet row number; the header is row 1")
    outcome: Outcome
    profile_id: str | None = Field(description="Internal ID of the profile the row updates "
                                   "(or created, once applied)")
    values: dict[str, Any]
    changes: list[FieldChange]
    errors: list[RowError]

    @classmethod
    def build(cls, view: RowView) -> ImportRowOut:
        return cls.model_validate(view, from_attributes=True)


class ImportOut(BaseModel):
    id: str = Field(description="Unguessable import id")
    status: Literal["validated", "rejected", "applied"]
    filename: str
    encoding: str | None
    delimiter: str | None
    counts: Counts
    notices: list[str]
    file_errors: list[FileError]
    created_at: datetime
    expires_at: datetime
    submitted_at: datetime | None
    rows: Page[ImportRowOut]

    @classmethod
    def build(cls, batch: ImportBatch, views: list[RowView], total: int, limit: int,
              offset: int) -> ImportOut:
        return cls(
            id=batch.public_id,
            status=batch.status,
            filename=batch.filename,
            encoding=batch.encoding,
            delimiter=batch.delimiter,
            counts=Counts(new=batch.new_count, changed=batch.changed_count,
                          unchanged=batch.unchanged_count, error=batch.error_count),
            notices=list(batch.notices or []),
            file_errors=[FileError(**e) for e in batch.file_errors or []],
            created_at=batch.created_at,
            expires_at=batch.expires_at,
            submitted_at=batch.submitted_at,
            rows=Page[ImportRowOut](items=[ImportRowOut.build(v) for v in views], total=total,
                                    limit=limit, offset=offset),
        )
