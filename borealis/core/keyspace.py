"""Well-known keys of the shared keyspace (DESIGN.md §3).

User tables and indexes live under their object id's tuple encoding. System state that
every role must agree on has a fixed key here, e.g. the cluster-wide catalog version:
every DDL, GRANT and REVOKE writes it, every transaction puts it in its check set, and a
conflict on it is reported as OC001 rather than OC000.
"""

CATALOG_VERSION_KEY = b"\x00\x01catalog-version"
