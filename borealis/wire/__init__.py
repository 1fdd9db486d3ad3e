"""The PostgreSQL wire protocol (v3), server side: the Frontend role's front door.

    server.py    asyncio shell: sockets, TLS upgrade, limits, cancel routing
    protocol.py  sans-IO state machine: bytes in, bytes out, one method per message
    codec.py     message layouts (read frontend, write backend)
    startup.py   StartupMessage parameters, `options`, client_encoding
    auth.py      Authenticator interface (trust, cleartext password, SCRAM)
    scram.py     SCRAM-SHA-256 server side and PostgreSQL-format stored secrets
    sigv4.py     Aurora DSQL auth tokens: SigV4 presigned URLs parsed, verified, signed
    iam.py       IAM token authentication (access keys file, RoleDirectory, DSQL's rules)
    tls.py       local CA + server certificate, SSLContext with ALPN `postgresql`
    backend.py   the interface to the SQL engine (Backend → Session), no wire knowledge
    errors.py    errors only the wire raises

The wire has no SQL knowledge: it frames what `backend.Session` returns and turns its
exceptions into ErrorResponse messages.
"""
