"""Alembic environment: one history for every role, on the one MetaData of `oke.store.tables`."""

from __future__ import annotations

from alembic import context

from oke.store import tables
from oke.store.base import Base
from oke.store.engine import make_engine

assert tables  # every table module is imported, so Base.metadata is complete

url = context.config.get_main_option("sqlalchemy.url")
assert url is not None
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
