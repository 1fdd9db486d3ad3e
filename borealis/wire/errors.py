"""The wire's internal signals, which are not client-visible error classes.

Errors a client sees (53300, 28000, 28P01, 57P01, 22021, ...) are in the one table
`borealis.core.errors.ERRORS`. `ProtocolError` is the wire's signal that a frame was
malformed. The state machine turns it into FATAL 08P01
(`core.errors.ProtocolViolation`) and closes the connection.
"""

from __future__ import annotations


class ProtocolError(Exception):
    """A frontend message is malformed or not allowed here: FATAL 08P01, then close."""


class ConnectionLost(Exception):
    """The shell could not deliver output because the client went away.

    Raised by the shell's flush callback; the state machine lets it through untouched
    (it is not an SQL error and must not become an ErrorResponse).
    """
