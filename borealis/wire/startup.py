"""The StartupMessage: its parameters, `options` string and client encoding.

Pure parsing with no protocol state; `protocol.py` calls `read_parameters` and
`startup_from` when a StartupMessage arrives. Errors are `BorealisError`s that the state
machine sends as FATAL (the session does not exist yet).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from borealis.core import errors
from borealis.wire import codec


@dataclass(slots=True)
class Startup:
    """What the StartupMessage said, kept until the session exists."""

    user: str
    database: str
    application_name: str
    client_encoding: str
    parameters: dict[str, str]
    options: dict[str, str] = field(default_factory=dict)


def read_parameters(reader: codec.Reader) -> dict[str, str]:
    parameters: dict[str, str] = {}
    while True:
        name = reader.cstring()
        if not name:
            break
        parameters[name] = reader.cstring()
    reader.end()
    return parameters


_UTF8_NAMES = frozenset({"utf8", "utf-8", "unicode"})


def _client_encoding(value: str) -> str:
    # asyncpg sends client_encoding='utf-8' with the quotes; psql in a C locale asks for
    # SQL_ASCII (which means "no conversion", the same bytes we send anyway).
    name = value.strip().strip("'\"").lower()
    if name in _UTF8_NAMES:
        return "UTF8"
    if name == "sql_ascii":
        return "SQL_ASCII"
    raise errors.InvalidParameterValue(
        what=f'invalid value for parameter "client_encoding": "{value}"',
        detail="Borealis supports only UTF8.",
    )


def startup_from(parameters: Mapping[str, str]) -> Startup:
    user = parameters.get("user", "")
    if not user:
        raise errors.InvalidAuthorization(what="no PostgreSQL user name specified in startup packet")
    return Startup(
        user=user,
        database=parameters.get("database") or user,
        application_name=parameters.get("application_name", ""),
        client_encoding=_client_encoding(parameters.get("client_encoding", "UTF8")),
        parameters=dict(parameters),
        options=parse_options(parameters.get("options", "")),
    )


def _split_options(text: str) -> list[str]:
    """Split the `options` startup parameter on whitespace; backslash escapes a char."""
    words: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in text:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch.isspace():
            if current:
                words.append("".join(current))
                current = []
        else:
            current.append(ch)
    if current:
        words.append("".join(current))
    return words


def parse_options(text: str) -> dict[str, str]:
    """`-c name=value` and `--name=value` settings from the `options` startup parameter.

    Other switches are ignored: they configure a PostgreSQL backend process, which
    Borealis does not have.
    """
    settings: dict[str, str] = {}
    words = _split_options(text)
    i = 0
    while i < len(words):
        word = words[i]
        assignment = None
        if word == "-c" and i + 1 < len(words):
            assignment, i = words[i + 1], i + 1
        elif word.startswith("-c") and len(word) > 2 or word.startswith("--"):
            assignment = word[2:]
        i += 1
        if assignment and "=" in assignment:
            name, value = assignment.split("=", 1)
            settings[name.replace("-", "_").lower()] = value
    return settings
