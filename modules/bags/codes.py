"""Bag codes: a signed serial that is checked without touching the database.

A code is ``SERIAL(7) + TAG(8) + CHECK(1)`` in Crockford base32, 16 characters, shown in groups
of four (``0001-5QZ8-K3MN-T7RC``):

* ``SERIAL`` — the bag's primary key (zero-padded, 32^7 ≈ 34 billion bags);
* ``TAG`` — the first 40 bits of HMAC-SHA256(key, serial): nobody without the key can make a
  code for a serial, so a forged code is refused at once;
* ``CHECK`` — Crockford's mod-37 check symbol over serial+tag. 37 is prime and larger than any
  digit difference, so every single-character substitution and every swap of two neighbours
  changes it: a mistyped code is told apart from a forged one (good check, bad tag).

Parsing never raises and never queries: it answers ``ParsedCode(status, bag_id)``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = ALPHABET + "*~$=U"
SERIAL_LEN = 7
TAG_LEN = 8  # 8 × 5 = 40 bits of HMAC
CODE_LEN = SERIAL_LEN + TAG_LEN + 1
MAX_SERIAL = 32**SERIAL_LEN - 1

_DECODE = {c: i for i, c in enumerate(ALPHABET)}
# Crockford's forgiving reading: O is zero, I and L are one (people and printers confuse them).
_DECODE.update({"O": 0, "I": 1, "L": 1})
_CHECK_DECODE = {c: i for i, c in enumerate(CHECK_SYMBOLS)}
_CHECK_DECODE.update({"O": 0, "I": 1, "L": 1})
_SEPARATORS = str.maketrans("", "", "- \t")

# Every scan parses a code (a batch upload 500 of them), so the base32 work is done by C code:
# Crockford digits are translated to the digits ``int(…, 32)`` reads, and the tag's 40 bits are
# written by ``base64.b32encode`` and translated from RFC 4648's alphabet to Crockford's.
_VALID = frozenset(_DECODE)
_CANONICAL = str.maketrans("OIL", "011")
_TO_INT32 = str.maketrans(ALPHABET, "0123456789abcdefghijklmnopqrstuv")
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


class CodeStatus(StrEnum):
    OK = "ok"
    UNKNOWN = "unknown"  # not a bag code at all (wrong length or characters)
    MISTYPED = "mistyped"  # the check symbol does not match: a typo
    FORGED = "forged"  # well-formed and the check matches, but the signature is wrong


@dataclass(frozen=True)
class ParsedCode:
    status: CodeStatus
    bag_id: int | None = None
    code: str = ""

    @property
    def ok(self) -> bool:
        return self.status is CodeStatus.OK


@lru_cache(maxsize=4)
def _key(secret: str) -> _Signer:
    return _Signer(hashlib.sha256(b"unionhub.bags.code:" + secret.encode()).digest())


def _secret() -> str:
    return settings.BAG_CODE_KEY or settings.SECRET_KEY


class _Signer:
    """HMAC-SHA256 (RFC 2104) with the key's two padded blocks hashed once: each signature then
    costs two hash-state copies instead of the key set-up ``hmac`` repeats on every call."""

    def __init__(self, key: bytes):
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key.ljust(64, b"\0")))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key.ljust(64, b"\0")))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


def _b32_40(five_bytes: bytes) -> str:
    """Forty bits as eight Crockford digits, most significant first."""
    return base64.b32encode(five_bytes).translate(_FROM_RFC4648).decode()


def _serial(bag_id: int) -> str:
    # 35 bits of serial in 40: the first of the eight digits is always 0
    return _b32_40(bag_id.to_bytes(5, "big"))[1:]


def _tag(serial: int, key: _Signer) -> str:
    return _b32_40(key.digest(serial.to_bytes(8, "big"))[:5])


def _check(payload_value: int) -> str:
    return CHECK_SYMBOLS[payload_value % 37]


def encode(bag_id: int) -> str:
    """The compact 16-character code of a bag id."""
    if not 0 < bag_id <= MAX_SERIAL:
        raise ValueError(f"bag id out of range: {bag_id}")
    payload = _serial(bag_id) + _tag(bag_id, _key(_secret()))
    return payload + _check(_value(payload))


def encode_many(first_id: int, last_id: int):
    """Codes for a contiguous id range (labels, CSV): one key derivation for the whole run."""
    key = _key(_secret())
    for bag_id in range(first_id, last_id + 1):
        payload = _serial(bag_id) + _tag(bag_id, key)
        yield bag_id, payload + _check(_value(payload))


def _value(payload: str) -> int:
    """The number a payload of Crockford digits (canonical: no O, I or L) writes."""
    return int(payload.translate(_TO_INT32), 32)


def group(code: str) -> str:
    """``00015QZ8K3MNT7RC`` → ``0001-5QZ8-K3MN-T7RC`` (how people read and type it)."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise(raw: str) -> str:
    """The compact upper-case form of what was typed or scanned (a full ``…/b/<code>`` URL too)."""
    text = (raw or "").strip()
    if "/b/" in text:
        text = text.rsplit("/b/", 1)[1]
    text = text.split("?", 1)[0].split("#", 1)[0].strip("/")
    return text.translate(_SEPARATORS).upper()


def parse(raw: object) -> ParsedCode:
    """Read a code; never raises, never touches the database."""
    if not isinstance(raw, str) or len(raw) > 300:
        return ParsedCode(CodeStatus.UNKNOWN)
    text = normalise(raw)
    if len(text) != CODE_LEN:
        return ParsedCode(CodeStatus.UNKNOWN, code=text[:40])
    payload, check = text[:-1], text[-1]
    if not _VALID.issuperset(payload) or check not in _CHECK_DECODE:
        return ParsedCode(CodeStatus.UNKNOWN, code=text)
    canonical_payload = payload.translate(_CANONICAL)
    value = _value(canonical_payload)
    if _CHECK_DECODE[check] != value % 37:
        return ParsedCode(CodeStatus.MISTYPED, code=text)
    serial = value >> (5 * TAG_LEN)
    canonical = canonical_payload + _check(value)
    if serial == 0 or not hmac.compare_digest(canonical_payload[SERIAL_LEN:], _tag(serial, _key(_secret()))):
        return ParsedCode(CodeStatus.FORGED, code=canonical)
    return ParsedCode(CodeStatus.OK, bag_id=serial, code=canonical)
