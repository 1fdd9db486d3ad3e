"""Shared fixtures for the wire tests (helpers live in `wire_support.py`)."""

from __future__ import annotations

import pytest
from wire_support import RawClient


@pytest.fixture(autouse=True)
def _close_raw_clients():
    yield
    while RawClient.opened:
        RawClient.opened.pop().close()
