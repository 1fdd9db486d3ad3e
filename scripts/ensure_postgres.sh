#!/usr/bin/env bash
# Make sure PostgreSQL 15's server binaries are installed (the reference engine for the
# differential SQL tests in tests/sql). Idempotent: does nothing when they are present.
# Needs root and the Debian package registry; run by the tests, not by hand.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin

if [ -x "$PG_BIN/postgres" ] && [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ]; then
    exit 0
fi

if [ "$(id -u)" != "0" ]; then
    echo "ensure_postgres: $PG_BIN/postgres is missing and we are not root to install it" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# The Debian packaging would create and start a cluster of its own; we only want the
# binaries (the tests run their own throw-away server), so block service starts.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy"
    chmod +x "$policy"
    created_policy=1
fi
cleanup() { if [ "$created_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
apt-get install -y -q --no-install-recommends postgresql-15

if [ ! -x "$PG_BIN/postgres" ]; then
    echo "ensure_postgres: postgresql-15 installed but $PG_BIN/postgres is still missing" >&2
    exit 1
fi
