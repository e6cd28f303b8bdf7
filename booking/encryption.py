"""Free text encrypted at rest: one column type (`EncryptedText`) and the keys it uses.

What a visitor or a therapist types freely (the visitor's message, the therapist's
private note, a cancellation's reason) is the most sensitive text the service
stores. Such columns are declared `EncryptedText`, so every path through
SQLAlchemy (ORM objects, column selects, updates) encrypts and decrypts the same
way and none can forget it; a database dump without the key shows no such text.

A stored value reads `enc:v1:<key id>:<base64 of nonce + ciphertext>`: AES-256-GCM
(authenticated: a changed byte fails loudly instead of decrypting to garbage) with
a random 96-bit nonce, and the column's name as associated data, so a value copied
into another column fails too. The key id is a keyed hash of the key (a check value
that names no secret): it says which key a value needs, so `DATA_KEY_PREVIOUS` can
still read what the key before wrote while `booking privacy rotate-key` re-encrypts.

The keys are bound to the app's database engine in create_app (per engine, not per
process: two apps with other keys can live side by side, as tests do).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import weakref
from collections.abc import Iterator

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Engine, MetaData, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
KEY_ID_CHARS = 16
# How to make a key, for the error messages that ask for one.
HOW_TO_MAKE_A_KEY = ("python3 -c 'import base64, os; "
                     "print(base64.b64encode(os.urandom(32)).decode())'")


class DataKeyError(RuntimeError):
    """Stored free text cannot be read with the configured keys: a wrong or missing
    DATA_KEY, or a value changed outside the service. The message names the column
    and the key ids, never the text."""


def parse_key(value: str, name: str = "DATA_KEY") -> bytes:
    """A key as configured: base64 of 32 random bytes. ValueError naming `name`."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ValueError(f"{name} must be {KEY_BYTES} random bytes in base64 "
                         f"(make one with {HOW_TO_MAKE_A_KEY})")
    return key


def new_key() -> str:
    """A fresh key as DATA_KEY takes it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def key_id(key: bytes) -> str:
    """The key's check value: who holds a value's key id learns nothing of the key,
    but a wrong key shows at once as an unknown id."""
    return hmac.new(key, b"booking data key id", hashlib.sha256).hexdigest()[:KEY_ID_CHARS]


class Keyring:
    """The current key (encrypts) and the previous ones (still decrypt)."""

    def __init__(self, current: bytes, previous: tuple[bytes, ...] = ()):
        self.current = current
        self.previous = previous
        # Built once: a feed decrypts thousands of values, and a cipher object and a key
        # id per value cost more than the decryption itself.
        self._ciphers = {key_id(key): AESGCM(key) for key in (*previous, current)}
        self.current_id = key_id(current)
        self.known_ids = (self.current_id, *(key_id(key) for key in previous))

    @classmethod
    def from_config(cls, current: str, previous: str = "") -> Keyring:
        """DATA_KEY and the comma-separated DATA_KEY_PREVIOUS; ValueError naming them."""
        return cls(parse_key(current),
                   tuple(parse_key(item, "DATA_KEY_PREVIOUS")
                         for item in previous.split(",") if item.strip()))

    def encrypt(self, text: str, column: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[self.current_id].encrypt(nonce, text.encode(), column.encode())
        return f"{PREFIX}{self.current_id}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, stored: str, column: str) -> str:
        wanted, body = split(stored, column)
        cipher = self._ciphers.get(wanted)
        if cipher is None:
            raise DataKeyError(
                f"{column} holds a value encrypted with key {wanted}, which is neither "
                f"DATA_KEY ({self.current_id}) nor in DATA_KEY_PREVIOUS "
                f"({', '.join(self.known_ids[1:]) or 'empty'}): is DATA_KEY the key this "
                "database was written with?")
        try:
            raw = base64.b64decode(body, validate=True)
            return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode()).decode()
        except (binascii.Error, ValueError, InvalidTag):
            raise DataKeyError(
                f"{column} holds a value that fails its integrity check under key "
                f"{wanted}: it was changed outside the service") from None


def split(stored: str, column: str) -> tuple[str, str]:
    """(key id, base64 body) of a stored value; DataKeyError for anything else."""
    if not stored.startswith(PREFIX):
        raise DataKeyError(f"{column} holds a value that is not encrypted: it was written "
                           "outside the service or before migration 0010")
    wanted, _, body = stored[len(PREFIX):].partition(":")
    return wanted, body


_keyrings: weakref.WeakKeyDictionary[Dialect, Keyring] = weakref.WeakKeyDictionary()


def bind(engine: Engine, keyring: Keyring) -> None:
    """Use `keyring` for every encrypted column read or written through `engine`."""
    _keyrings[engine.dialect] = keyring


def keyring_of(dialect: Dialect) -> Keyring:
    try:
        return _keyrings[dialect]
    except KeyError:
        raise DataKeyError("no DATA_KEY is bound to this database engine "
                           "(create_app binds it)") from None


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted (see the module). `column` names it as "table.column":
    the associated data that ties a value to its column, and the name errors give."""

    impl = Text
    cache_ok = True

    def __init__(self, column: str):
        super().__init__()
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).encrypt(value, self.column)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return keyring_of(dialect).decrypt(value, self.column)


def encrypted_columns(metadata: MetaData) -> Iterator[Column[str]]:
    """Every column of type EncryptedText, found over the metadata, so a new one is
    covered by key rotation and the key check without being listed anywhere."""
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, EncryptedText):
                yield column
