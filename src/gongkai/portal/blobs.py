"""Stored files (uploads, rendered reports, stamped PDFs): the one place a :class:`.db.Blob` is
made, sealed under SM4-GCM when the deployment encrypts files (:mod:`.sealing`). They are read
back through :func:`.queries.blob_data`, which opens them and re-checks their SHA-256."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from . import keys, sealing
from .db import Blob


def store_blob(db: Session, data: bytes) -> Blob:
    """A new blob holding ``data`` (added and flushed, so it has its id); ``size`` and ``sha256``
    are the plaintext's. Sealed when ``keys.of(db).encrypts_files``, else stored as it is."""
    digest = hashlib.sha256(data).hexdigest()
    held = keys.of(db)
    stored = sealing.seal(held.files, data, digest.encode("ascii")) if held.encrypts_files and held.files else data
    blob = Blob(sha256=digest, size=len(data), data=stored)
    db.add(blob)
    db.flush()
    return blob


def plaintext(db: Session, blob: Blob) -> bytes:
    """A blob's bytes, opened with the session's key when sealed (a file stored before encryption
    was switched on is read as it is). Raises the :mod:`.sealing` refusals; the hash is the
    caller's to check."""
    if not sealing.is_sealed(blob.data):
        return bytes(blob.data)
    return sealing.unseal(keys.of(db).files, blob.data, blob.sha256.encode("ascii", "replace"))
