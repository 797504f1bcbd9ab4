"""API shapes of imports and their preview rows (distinct from the ORM models)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from phonedesk.api.common import Page
from phonedesk.bulk.service import RowView
from phonedesk.models import ImportBatch
from phonedesk.switch.schemas import SipCredentialOut

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
    assignments: dict[str, Any] | None = Field(
        default=None, description="Extension numbers submit assigns (added) and takes away "
        "(removed) for this row")

    @classmethod
    def build(cls, view: RowView) -> ImportRowOut:
        return cls.model_validate(view, from_attributes=True)


class AssignmentChange(BaseModel):
    """One extension assigned to or taken from a row's profile, and the email it sends."""

    row: int
    profile: str = Field(description="The profile's name")
    to: str | None = Field(description="Where the assignment email goes")
    number: str = Field(description="The extension number")
    change: Literal["assign", "remove"] = Field(
        description="assign: the profile gets the extension; remove: the primary "
        "administrator holds it from then on")
    create: bool = Field(description="The extension is new and is created at submit")
    email: str | None = Field(description="The assignment email's variant (R-V1), None for "
                              "a removal")
    email_label: str | None


class ExtensionCredential(BaseModel):
    """The desk phone credential of an extension the import created (shown once)."""

    number: str
    sip: SipCredentialOut


class ImportOut(BaseModel):
    id: str = Field(description="Unguessable import id")
    status: Literal["validating", "validated", "rejected", "applied"]
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
    assignments: list[AssignmentChange] = Field(
        default_factory=list, description="Every assignment change submit makes (or made), "
        "with the emails it sends; empty when the file has no Extensions column")
    created_extensions: list[ExtensionCredential] = Field(
        default_factory=list, description="Only in the submit response: the desk phone "
        "credentials of the extensions the import created, shown this once")

    @classmethod
    def build(cls, batch: ImportBatch, views: list[RowView], total: int, limit: int,
              offset: int, assignments: list[dict[str, Any]] | None = None) -> ImportOut:
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
            assignments=[AssignmentChange(**a) for a in assignments or []],
        )
