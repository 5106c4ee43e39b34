"""Files at rest under SM4-GCM (等保 数据保密性, GB/T 32907 SM4 with GCM): a stolen database
dump or backup without the key file reveals no uploaded file and no stamped PDF.

A sealed file is ``MAGIC`` (``GKSM4`` and a version byte), a 4-byte check of the key (so a wrong
key file is told apart from a changed file), a fresh 12-byte nonce, the ciphertext and GCM's
16-byte tag. What is authenticated besides the ciphertext is the header and the caller's ``aad``,
the plaintext's SHA-256 as the database records it: a sealed file moved under another file's
hash does not open. Files stored before encryption was switched on are not sealed and read as
they are (:func:`is_sealed` tells them apart); no upload can begin with ``MAGIC``.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import PortalError

MAGIC = b"GKSM4\x01"
KEY_CHECK = 4
NONCE = 12
TAG = 16
_HEADER = len(MAGIC) + KEY_CHECK

NEEDS_KEY = (
    "文件已加密保存，但没有给出密钥文件（或没有开启文件加密），无法读取。"
    "请联系管理员用加密时的密钥文件启动填报系统（--key-file 与 --encrypt-files）。"
)
WRONG_KEY = "文件已加密保存，但给出的密钥文件不是加密时用的那一份，无法读取。请联系管理员用加密时的密钥文件启动填报系统。"
BROKEN = "加密保存的文件已损坏或被改动（解密校验不通过）。"


class SealError(PortalError):
    """A sealed file that cannot be opened, in Chinese; the server's fault, not the user's (500)."""

    def __init__(self, message: str, status: int = 500) -> None:
        super().__init__(message, status)


class NeedsKey(SealError):
    def __init__(self) -> None:
        super().__init__(NEEDS_KEY)


class WrongKey(SealError):
    def __init__(self) -> None:
        super().__init__(WRONG_KEY)


class Broken(SealError):
    """The key is the right one but the sealed bytes (or the hash they are bound to) changed:
    :func:`.queries.blob_data` refuses it as it refuses any changed file (409, logged)."""

    def __init__(self) -> None:
        super().__init__(BROKEN, 409)


def _key_check(key: bytes) -> bytes:
    return hmac.new(key, b"gongkai/sm4-key-check", hashlib.sha256).digest()[:KEY_CHECK]


def _cipher(key: bytes, nonce: bytes, tag: bytes | None = None) -> Cipher:
    if len(key) != 16:
        raise ValueError("SM4 takes a 16-byte key")
    return Cipher(algorithms.SM4(key), modes.GCM(nonce, tag))


def is_sealed(stored: bytes) -> bool:
    return bytes(stored[: len(MAGIC)]) == MAGIC


def seal(key: bytes, data: bytes, aad: bytes) -> bytes:
    """``data`` encrypted and authenticated under ``key`` (16 bytes), bound to ``aad``."""
    header = MAGIC + _key_check(key)
    nonce = os.urandom(NONCE)
    encryptor = _cipher(key, nonce).encryptor()
    encryptor.authenticate_additional_data(header + aad)
    body = encryptor.update(data) + encryptor.finalize()
    return header + nonce + body + encryptor.tag


def unseal(key: bytes | None, stored: bytes, aad: bytes) -> bytes:
    """The plaintext of a sealed file, or :class:`NeedsKey` (no key), :class:`WrongKey` (not
    the key it was sealed with), :class:`Broken` (changed since it was sealed)."""
    stored = bytes(stored)
    if not is_sealed(stored):
        raise Broken()
    if key is None:
        raise NeedsKey()
    if len(stored) < _HEADER + NONCE + TAG:
        raise Broken()
    header, nonce = stored[:_HEADER], stored[_HEADER : _HEADER + NONCE]
    body, tag = stored[_HEADER + NONCE : -TAG], stored[-TAG:]
    if not hmac.compare_digest(header[len(MAGIC) :], _key_check(key)):
        raise WrongKey()
    decryptor = _cipher(key, nonce, tag).decryptor()
    decryptor.authenticate_additional_data(header + aad)
    try:
        return decryptor.update(body) + decryptor.finalize()
    except InvalidTag:
        raise Broken() from None
