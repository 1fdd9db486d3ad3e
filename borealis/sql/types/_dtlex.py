"""Splits date/time and interval input into fields, the way PostgreSQL's
ParseDateTime does, so that datetimes.py and interval.py decode the same tokens.

A field is (kind, text): `text` keeps the input's case (time zone names need it);
compare keywords with text.lower().
"""

from __future__ import annotations

DATE = 1  # digits or a month name followed by - / . separated parts: 2024-01-02, jan-08
TIME = 2  # digits with ':' : 03:04:05.5
NUMBER = 3  # digits, or digits.digits, or .digits
STRING = 4  # a word: jan, pm, utc, day, epoch
SIGNED = 5  # sign then digits/:/./- : +05:30, -1, -01:02:03, -1-2
SPECIAL = 6  # sign then a word: -infinity

_DIGIT = frozenset("0123456789")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _DIGIT | _ALPHA
_SPACE = frozenset(" \t\n\r\v\f")
_PUNCT = frozenset("!\"#$%&'()*,/:;<=>?@[\\]^_`{|}~")
_TIME_CHARS = _DIGIT | frozenset(":.")
_SIGNED_CHARS = _DIGIT | frozenset(":.-")
_ZONE_CHARS = _ALNUM | frozenset("+-/_.:")

# Words that are never the start of a time zone name (PostgreSQL's datetktbl).
KEYWORDS = frozenset((
    "ad", "allballs", "am", "at", "bc", "d", "epoch", "h", "infinity", "j", "m", "mm",
    "now", "on", "pm", "s", "t", "today", "tomorrow", "y", "yesterday", "jan", "january",
    "feb", "february", "mar", "march", "apr", "april", "may", "jun", "june", "jul", "july",
    "aug", "august", "sep", "sept", "september", "oct", "october", "nov", "november",
    "dec", "december", "sun", "sunday", "mon", "monday", "tue", "tues", "tuesday", "wed",
    "wednesday", "thu", "thur", "thurs", "thursday", "fri", "friday", "sat", "saturday",
))


def _scan(t: str, j: int, chars: frozenset[str]) -> int:
    n = len(t)
    while j < n and t[j] in chars:
        j += 1
    return j


def _after_digits(t: str, i: int) -> tuple[int, int]:
    """Scan a field that starts with a digit at i; return (kind, end)."""
    n = len(t)
    j = _scan(t, i + 1, _DIGIT)
    if j < n and t[j] == ":":
        return TIME, _scan(t, j + 1, _TIME_CHARS)
    if j < n and t[j] in "-/.":
        delim = t[j]
        j += 1
        if j < n and t[j] in _DIGIT:
            kind = NUMBER if delim == "." else DATE
            j = _scan(t, j, _DIGIT)
            if j < n and t[j] == delim:  # three-part date needs matching delimiters
                kind = DATE
                j = _scan(t, j + 1, _DIGIT | {delim})
            return kind, j
        return DATE, _scan(t, j, _ALNUM | {delim})
    return NUMBER, j


def _after_alpha(t: str, i: int) -> tuple[int, int]:
    n = len(t)
    j = _scan(t, i + 1, _ALPHA)
    is_date = False
    if j < n and t[j] in "-/.":
        is_date = True
    elif j < n and (t[j] == "+" or t[j] in _DIGIT):
        is_date = t[i:j].lower() not in KEYWORDS
    if is_date:  # a date with a text month, or a zone name like America/New_York
        return DATE, _scan(t, j + 1, _ZONE_CHARS)
    return STRING, j


def tokenize(s: str) -> list[tuple[int, str]] | None:
    """The fields of `s`, or None if it holds a character no field can contain."""
    fields: list[tuple[int, str]] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c in _DIGIT:
            kind, j = _after_digits(s, i)
        elif c == ".":
            kind, j = NUMBER, _scan(s, i + 1, _DIGIT)
        elif c in _ALPHA:
            kind, j = _after_alpha(s, i)
        elif c in "+-":
            j = _scan(s, i + 1, _SPACE)
            if j < n and s[j] in _DIGIT:
                end = _scan(s, j + 1, _SIGNED_CHARS)
                fields.append((SIGNED, c + s[j:end]))
            elif j < n and s[j] in _ALPHA:
                end = _scan(s, j + 1, _ALPHA)
                fields.append((SPECIAL, c + s[j:end]))
            else:
                return None
            i = end
            continue
        elif c in _SPACE or c in _PUNCT:
            i += 1
            continue
        else:
            return None
        fields.append((kind, s[i:j]))
        i = j
    return fields
