"""Well-known keys of the shared keyspace (DESIGN.md §3).

User tables and indexes live under their object id's tuple encoding. System state that
every role must agree on has a fixed key here, e.g. the cluster-wide catalog version:
every DDL, GRANT and REVOKE writes it, every transaction puts it in its check set, and a
conflict on it is reported as OC001 rather than OC000.
"""

CATALOG_VERSION_KEY = b"\x00\x01catalog-version"
# Counts the catalog's quiet changes: ones a transaction planned against the previous
# catalog stays correct under (an index becoming valid, a constraint validated), so
# nobody checks this key and no one gets OC001 for them. They still make a new
# snapshot: a catalog is identified by (version, epoch) (`catalog.store`).
CATALOG_EPOCH_KEY = b"\x00\x01catalog-epoch"
