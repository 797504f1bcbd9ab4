"""REST endpoint for the contact directory (R-DIR1)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from phonedesk.api.common import Limit, Offset, Page, Search
from phonedesk.api.deps import ReadScope
from phonedesk.directory import service

router = APIRouter(tags=["directory"])


class DirectoryEntryOut(BaseModel):
    profile_id: str
    first_name: str
    last_name: str
    username: str
    email: str
    extensions: list[str]


@router.get("/directory", response_model=Page[DirectoryEntryOut],
            summary="Active profiles with extensions, searchable by name, username or number")
def directory(scope: ReadScope, q: Search = None, limit: Limit = 50,
              offset: Offset = 0) -> Page[DirectoryEntryOut]:
    entries, total = service.search(scope, q, limit=limit, offset=offset)
    items = [DirectoryEntryOut(**entry.__dict__) for entry in entries]
    return Page[DirectoryEntryOut](items=items, total=total, limit=limit, offset=offset,
                                   total_exact=total.exact)
