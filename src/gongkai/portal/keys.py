"""Secrets kept outside the database (等保 数据保密性): one key file a deployment keeps on the
server's disk (``/etc/gongkai/密钥`` with mode 0600, say), never in the database or its backups.

From the file's one master secret two keys are derived, one per purpose, so that neither use can
be turned against the other: the audit chain's HMAC key and the SM4 key for files at rest. A
stolen database dump without the file reveals no file and cannot be re-chained after an edit.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sqlalchemy.orm import Session

from ..errors import GongkaiError

HEADER = "gongkai-key-v1"


class AuditHash(StrEnum):
    """How each audit entry's hash of the previous one is keyed."""

    SHA256 = "sha256"  # unkeyed: tamper-evident only against someone who cannot recompute it
    HMAC_SM3 = "hmac-sm3"  # GB/T 32905 SM3 under the deployment's key (商用密码)
    HMAC_SHA256 = "hmac-sha256"


@dataclass(frozen=True)
class Keys:
    """What a portal holds in memory: ``audit`` keys the chain, ``files`` (16 bytes) is SM4's key.
    Both are there whenever a key file is, so files sealed earlier still open after
    ``--encrypt-files`` is dropped and keyed entries still verify after ``--audit-hash sha256``;
    ``encrypt`` says whether new files are sealed, ``audit_hash`` how new entries are chained."""

    audit: bytes | None = None
    audit_hash: AuditHash = AuditHash.SHA256
    files: bytes | None = None
    encrypt: bool = False

    @property
    def encrypts_files(self) -> bool:
        return self.encrypt and self.files is not None


NO_KEYS = Keys()


def of(db: Session) -> Keys:
    """The keys a database session was opened with (:func:`.db.session_factory` puts them there)."""
    return db.info.get("keys", NO_KEYS)


def _derive(master: bytes, purpose: str, size: int) -> bytes:
    return hmac.new(master, f"gongkai/{purpose}".encode(), hashlib.sha256).digest()[:size]


def new_key_file(path: Path) -> None:
    """Write a fresh master secret to ``path`` (readable by its owner only); never overwrite one."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise GongkaiError(f"{path}：文件已存在，未覆盖（换掉密钥会使已加密的文件和日志校验无法使用）。") from exc
    except OSError as exc:
        raise GongkaiError(f"{path}：无法创建密钥文件（{exc.strerror}）。") from exc
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(f"{HEADER}\n{secrets.token_hex(32)}\n")


def read_master(path: Path) -> bytes:
    """The master secret in a key file written by :func:`new_key_file`, or a Chinese refusal."""
    try:
        lines = path.read_text(encoding="ascii").split()
    except FileNotFoundError as exc:
        raise GongkaiError(f"{path}：找不到密钥文件。") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise GongkaiError(f"{path}：不是 gongkai 的密钥文件。") from exc
    if len(lines) != 2 or lines[0] != HEADER:
        raise GongkaiError(f"{path}：不是 gongkai 的密钥文件。")
    try:
        master = bytes.fromhex(lines[1])
    except ValueError as exc:
        raise GongkaiError(f"{path}：密钥文件已损坏。") from exc
    if len(master) < 32:
        raise GongkaiError(f"{path}：密钥太短（至少 32 字节）。")
    return master


def load_keys(path: Path | None, *, audit_hash: AuditHash | None = None, encrypt_files: bool = False) -> Keys:
    """The keys a deployment runs with. Without a key file only the unkeyed chain is possible,
    and asking for encryption or a keyed chain is refused rather than quietly ignored."""
    if path is None:
        if encrypt_files or audit_hash not in (None, AuditHash.SHA256):
            raise GongkaiError("加密存储文件或带密钥的日志校验须给出密钥文件（--key-file）。")
        return NO_KEYS
    master = read_master(path)
    chosen = audit_hash or AuditHash.HMAC_SM3
    return Keys(
        audit=_derive(master, "audit-chain", 32),
        audit_hash=chosen,
        files=_derive(master, "files-sm4", 16),
        encrypt=encrypt_files,
    )
