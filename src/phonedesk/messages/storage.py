"""Message files on disk: type sniffing and server-chosen names (R-M1).

The uploader's file name and declared content type are ignored: the type comes
from the file's first bytes and the name from a random id, so an upload can
neither traverse paths nor smuggle a type the notification would mislabel.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from phonedesk.errors import ValidationFailed
from phonedesk.models.message import FAX, VOICEMAIL


@dataclass(frozen=True)
class FileType:
    kind: str
    extension: str
    content_type: str


WAV = FileType(VOICEMAIL, "wav", "audio/wav")
MP3 = FileType(VOICEMAIL, "mp3", "audio/mpeg")
OGG = FileType(VOICEMAIL, "ogg", "audio/ogg")
M4A = FileType(VOICEMAIL, "m4a", "audio/mp4")
PDF = FileType(FAX, "pdf", "application/pdf")

ACCEPTED = "WAV, MP3, OGG or M4A audio for a voicemail, or a PDF for a fax"


def sniff(head: bytes) -> FileType | None:
    """The type of a file from its magic bytes, or None when it is not one we accept."""
    if head.startswith(b"%PDF-"):
        return PDF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"OggS"):
        return OGG
    if head.startswith(b"ID3"):
        return MP3
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06:
        return MP3  # an MPEG audio frame header (layer bits set)
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return M4A
    return None


def check(data: bytes, max_bytes: int) -> FileType:
    """Refuse empty, oversized and unrecognised files with a message that says why."""
    if not data:
        raise ValidationFailed("The file is empty.", code="empty_file", field="file")
    if len(data) > max_bytes:
        raise ValidationFailed(
            f"The file is larger than the limit of {max_bytes // (1024 * 1024)} MB.",
            code="file_too_large",
            field="file",
        )
    kind = sniff(data[:16])
    if kind is None:
        raise ValidationFailed(
            f"The file is not a supported type: send {ACCEPTED}.",
            code="unsupported_file_type",
            field="file",
        )
    return kind


def new_storage_name(account_id: int, file_type: FileType) -> str:
    return f"{int(account_id)}/{secrets.token_hex(16)}.{file_type.extension}"


def resolve(root: Path, storage_name: str) -> Path:
    """The absolute path of a stored file; refuses names that leave the folder."""
    base = root.resolve()
    path = (base / storage_name).resolve()
    if base not in path.parents:
        raise ValueError(f"storage name outside the message folder: {storage_name!r}")
    return path


def write(root: Path, storage_name: str, data: bytes) -> str:
    """Write atomically (temporary file, fsync, rename) and return the SHA-256."""
    path = resolve(root, storage_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def remove(root: Path, storage_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        resolve(root, storage_name).unlink()
