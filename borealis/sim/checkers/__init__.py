"""Offline checkers for histories recorded by the deterministic simulator.

`history` defines the recorded transactions of the list-append workload; `si` checks such
a history against strong snapshot isolation (the isolation level Borealis, like Aurora
DSQL, promises) and explains every anomaly it finds by naming the transactions involved.
"""
