"""Errors that only the wire layer raises (startup, authentication, framing).

They are `BorealisError` subclasses so the one ErrorResponse path handles them like every
other error. They belong in `borealis.core.errors.ERRORS`; they live here only because
that table is owned elsewhere — move them there when it is next edited (same names).

`ProtocolError` is different: it is not a client-visible error class but the wire's
internal signal that a frame was malformed. The state machine turns it into FATAL 08P01
(`core.errors.ProtocolViolation`) and closes the connection.
"""

from __future__ import annotations

from borealis.core.errors import BorealisError


class ProtocolError(Exception):
    """A frontend message is malformed or not allowed here: FATAL 08P01, then close."""


class ConnectionLost(Exception):
    """The shell could not deliver output because the client went away.

    Raised by the shell's flush callback; the state machine lets it through untouched
    (it is not an SQL error and must not become an ErrorResponse).
    """


class TooManyConnections(BorealisError):
    sqlstate = "53300"
    template = "sorry, too many clients already"


class FeatureNotSupported(BorealisError):
    sqlstate = "0A000"
    template = "{what}"


class InvalidAuthorization(BorealisError):
    sqlstate = "28000"
    template = "{what}"


class InvalidPassword(BorealisError):
    sqlstate = "28P01"
    template = 'password authentication failed for user "{user}"'


class InvalidParameterValue(BorealisError):
    sqlstate = "22023"
    template = "{what}"


class CharacterNotInRepertoire(BorealisError):
    sqlstate = "22021"
    template = 'invalid byte sequence for encoding "UTF8"'


class AdminShutdown(BorealisError):
    sqlstate = "57P01"
    template = "terminating connection due to administrator command"
