"""Benchmarks of Borealis side by side with PostgreSQL 15 on the same machine (`make bench`,
`python -m bench.run`). Not part of the `borealis` package nor of `make test`; only its
smoke test (tests/bench) runs there, on a tiny scale.

    run.py       the orchestration: servers one after the other, steps, the result file
    postgres.py  a throw-away PostgreSQL 15 (shared with tests/sql) and its installation
    borealis_server.py  a throw-away `borealis start`
    install.py   apt-get installs of what is missing (postgresql-15, sysbench)
    workloads.py pgbench, sysbench and the psycopg client as time-limited child processes
    client.py    the psycopg side: DSQL-compatible pgbench schema, data load, latencies
    procs.py     peak RSS of a process tree, bytes on disk
    report.py    the table: text, markdown, JSON
"""
