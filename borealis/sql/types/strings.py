"""Codecs for the character types (text, varchar, bpchar, name, "char", unknown), bytea
and uuid.

Strings are Python str (UTF-8 on the wire; the database encoding is UTF8 and the
collation C, so str ordering by code point is PostgreSQL's ordering). bytea is bytes,
uuid is uuid.UUID, and "char" is a str of length 0 or 1 whose code point is the byte.
"""

from __future__ import annotations

import uuid

from borealis.core import errors
from borealis.sql.types._common import VARHDRSZ, bad_binary, bad_syntax

NAMEDATALEN = 64
MAX_CHAR_LENGTH = 10 * 1024 * 1024  # varchar(n)/char(n) limit on n


def _no_nul(s: str) -> str:
    if "\x00" in s:
        raise errors.CharacterNotInRepertoire(what="0x00")
    return s


def text_in(s: str, typmod: int = -1) -> str:
    return _no_nul(s)


def text_out(v: str) -> str:
    return v


def text_send(v: str) -> bytes:
    return v.encode()


def text_recv(data: bytes, typmod: int = -1) -> str:
    try:
        return _no_nul(data.decode())
    except UnicodeDecodeError as exc:
        raise errors.invalid_utf8(data, exc) from None


# --- varchar(n) / char(n) -----------------------------------------------------------


def varchar_apply_typmod(s: str, typmod: int, explicit: bool = False) -> str:
    """varchar(n): an explicit cast truncates; otherwise only trailing spaces may go."""
    n = typmod - VARHDRSZ
    if typmod < VARHDRSZ or len(s) <= n:
        return s
    if not explicit and s[n:].strip(" "):
        raise errors.StringDataRightTruncation(type="character varying", n=n)
    return s[:n]


def bpchar_apply_typmod(s: str, typmod: int, explicit: bool = False) -> str:
    """char(n): pad with spaces to n; too long is 22001 unless the excess is spaces."""
    n = typmod - VARHDRSZ
    if typmod < VARHDRSZ:
        return s
    length = len(s)
    if length < n:
        return s + " " * (n - length)
    if length > n:
        if not explicit and s[n:].strip(" "):
            raise errors.StringDataRightTruncation(type="character", n=n)
        return s[:n]
    return s


def varchar_in(s: str, typmod: int = -1) -> str:
    return varchar_apply_typmod(_no_nul(s), typmod)


def varchar_recv(data: bytes, typmod: int = -1) -> str:
    return varchar_apply_typmod(text_recv(data), typmod)


def bpchar_in(s: str, typmod: int = -1) -> str:
    return bpchar_apply_typmod(_no_nul(s), typmod)


def bpchar_recv(data: bytes, typmod: int = -1) -> str:
    return bpchar_apply_typmod(text_recv(data), typmod)


def bpchar_sort_key(s: str) -> str:
    # Trailing spaces are insignificant when comparing character(n) values.
    return s.rstrip(" ")


def bpchar_to_text(s: str) -> str:
    return s.rstrip(" ")


# --- name ---------------------------------------------------------------------------


def name_in(s: str, typmod: int = -1) -> str:
    # Silently truncated to NAMEDATALEN-1 bytes, at a character boundary.
    if len(s) <= (NAMEDATALEN - 1) // 4:
        return _no_nul(s)
    raw = s.encode()
    if len(raw) < NAMEDATALEN:
        return _no_nul(s)
    return _no_nul(raw[: NAMEDATALEN - 1].decode(errors="ignore"))


def name_recv(data: bytes, typmod: int = -1) -> str:
    return name_in(text_recv(data))


# --- "char" -------------------------------------------------------------------------

_OCTAL = frozenset("01234567")


def char_in(s: str, typmod: int = -1) -> str:
    if len(s) == 4 and s[0] == "\\" and s[1] in "0123" and _OCTAL.issuperset(s[2:]):
        return chr(int(s[1:], 8)).replace("\x00", "")
    return text_to_char(s)


def text_to_char(s: str) -> str:
    """The first byte of the string (of its UTF-8 encoding), or '' for ''."""
    if not s:
        return ""
    c = s[0]
    if c < "\x80":
        return c if c != "\x00" else ""
    return chr(c.encode()[0])


def char_out(v: str) -> str:
    if v and v >= "\x80":
        return f"\\{ord(v):03o}"
    return v


def char_send(v: str) -> bytes:
    return bytes((ord(v),)) if v else b"\x00"


def char_recv(data: bytes, typmod: int = -1) -> str:
    if len(data) != 1:
        raise bad_binary()
    return chr(data[0]) if data[0] else ""


# --- bytea --------------------------------------------------------------------------

_HEX = frozenset("0123456789abcdefABCDEF")
_HEX_SPACE = " \t\n\r"


def bytea_in(s: str, typmod: int = -1) -> bytes:
    if s[:2] == "\\x":
        try:
            return bytes.fromhex(s[2:])
        except ValueError:
            raise _hex_error(s[2:]) from None
    if "\\" not in s:
        return s.encode()
    return _bytea_unescape(s)


def _hex_error(body: str) -> errors.BorealisError:
    # Reproduce PostgreSQL's diagnosis of the first bad spot (hex_decode: 22023).
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c in _HEX_SPACE:
            i += 1
            continue
        if c not in _HEX:
            return errors.InvalidParameterValue(f'invalid hexadecimal digit: "{c}"')
        if i + 1 >= n:
            break
        if body[i + 1] not in _HEX:
            return errors.InvalidParameterValue(f'invalid hexadecimal digit: "{body[i + 1]}"')
        i += 2
    return errors.InvalidParameterValue("invalid hexadecimal data: odd number of digits")


def _bytea_unescape(s: str) -> bytes:
    out = bytearray()
    i, n = 0, len(s)
    while i < n:
        j = s.find("\\", i)
        if j < 0:
            out += s[i:].encode()
            break
        out += s[i:j].encode()
        if s[j + 1 : j + 2] == "\\":
            out.append(0x5C)
            i = j + 2
        elif (len(s) >= j + 4 and s[j + 1] in "0123" and s[j + 2] in _OCTAL
              and s[j + 3] in _OCTAL):
            out.append(int(s[j + 1 : j + 4], 8))
            i = j + 4
        else:
            raise errors.InvalidTextRepresentation("invalid input syntax for type bytea")
    return bytes(out)


def bytea_out(v: bytes) -> str:
    return "\\x" + v.hex()


def bytea_send(v: bytes) -> bytes:
    return bytes(v)


def bytea_recv(data: bytes, typmod: int = -1) -> bytes:
    return bytes(data)


# --- uuid ---------------------------------------------------------------------------


def uuid_in(s: str, typmod: int = -1) -> uuid.UUID:
    # Optional braces; 32 hex digits with a hyphen allowed after any group of four.
    body = s
    if body[:1] == "{":
        if body[-1:] != "}":
            raise bad_syntax("uuid", s)
        body = body[1:-1]
    groups = body.split("-")
    digits = "".join(groups)
    if len(digits) != 32 or not _HEX.issuperset(digits) or any(
        not g or len(g) % 4 for g in groups
    ):
        raise bad_syntax("uuid", s)
    return uuid.UUID(int=int(digits, 16))


def uuid_out(v: uuid.UUID) -> str:
    return str(v)


def uuid_send(v: uuid.UUID) -> bytes:
    return v.bytes


def uuid_recv(data: bytes, typmod: int = -1) -> uuid.UUID:
    if len(data) != 16:
        raise bad_binary()
    return uuid.UUID(bytes=bytes(data))
