"""What oke needs of the database server beyond its schema, checked when a server or a worker starts."""

from __future__ import annotations

from sqlalchemy import Engine

from oke.store.engine import make_engine

AUTOVACUUM_OFF = (
    "PostgreSQL's autovacuum is off: no table is ever analyzed, so PostgreSQL keeps the plans it made while the "
    "tables were nearly empty, and a lookup by key can come to read a whole table (measured: 12 ms per enrolment "
    "at 50,000 in a flow 1 pull). Turn it on (autovacuum = on, PostgreSQL's default) or ANALYZE the database "
    "regularly."
)


def server_warnings(url: str) -> list[str]:
    """Settings of the database server that make oke slow as the data grows; none on SQLite."""
    engine = make_engine(url)
    try:
        return [AUTOVACUUM_OFF] if autovacuum_is_off(engine) else []
    finally:
        engine.dispose()


def autovacuum_is_off(engine: Engine) -> bool:
    """Whether `engine`'s PostgreSQL server runs without autovacuum (SQLite needs none)."""
    if engine.dialect.name == "sqlite":
        return False
    with engine.connect() as connection:
        return bool(connection.exec_driver_sql("SHOW autovacuum").scalar() == "off")
