"""Persistence: tables on one MetaData, engines for SQLite and PostgreSQL, the unit of work, migrations."""
