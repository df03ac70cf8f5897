"""How a server runs its service calls: reads in worker threads, writes batched with one commit.

A commit that waits for the disk costs more than the work before it, and a transaction per call
costs a thread and database round trips per call. So one writer thread takes the writes that are
waiting, runs them in one transaction, commits them together, and only then answers each of them
(group commit). On SQLite, which has one writer anyway, this also keeps writers from queueing for
its lock. A call that fails may have written half its change, so the batch is then rolled back and
run again with every call in a SAVEPOINT of its own, without the calls that failed. What the calls leave for
the commit (history rows, documents, writes read ahead) is written for them all at once; when the database
refuses that for the data of one of them (a value too long, a key taken), the batch is run again with each
call in a transaction of its own, so that only that call fails, with that error. Only a database that cannot
be reached (`UNAVAILABLE`) answers every call of the batch 503, to be sent again.

A call may say what it will read (`ReadAhead`): the batch then reads it for a whole run of such calls in
one go, so that a hot path (flow 3) costs its batch a few statements instead of a few per call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as database_errors

from oke.errors import ServiceUnavailable
from oke.store.notices import notify
from oke.store.uow import Appends, UnitOfWork, write_appends

U = TypeVar("U", bound=UnitOfWork)
T = TypeVar("T")
log = logging.getLogger(__name__)

#: The most calls one transaction takes.
MAX_BATCH = 256
#: The database cannot be reached (restarting, connections cut, a lock held too long): worth sending again soon.
#: Any other error of the database is the data's, and would come again.
UNAVAILABLE = (database_errors.OperationalError, database_errors.InterfaceError, database_errors.TimeoutError)


@dataclass(frozen=True)
class ReadAhead:
    """What a call will read, as a `key` of what `load` reads for many keys at once.

    For each run of calls one after another in a batch with the same `load`, the batch calls
    `load(connection, keys)` once, before the first of them, with the keys of them all; the calls find
    what it returned through `UnitOfWork.read_ahead(load)`, and must keep it up to date with what they write.
    They may also leave their writes in it, for `write(connection, what_was_read)` to write them all at once
    when the run ends. A call without it, or with another `load`, ends the run: it may change anything. A batch
    run again with savepoints reads nothing ahead, since a call rolled back to its savepoint would leave what
    it wrote in what was read.
    """

    load: Callable[[Connection, list[Any]], Any]
    key: Any
    write: Callable[[Connection, Any], None] | None = None


@dataclass
class _Job:
    call: Callable[[Any], Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    ahead: ReadAhead | None = None


class Transactions(Generic[U]):
    """Runs a server's service calls; `new_uow` makes the units of work of reads.

    A write's unit of work is made from it too, and then works in its batch's transaction.
    """

    def __init__(self, new_uow: Callable[[], U], writer: Engine) -> None:
        self.new_uow = new_uow
        self._writer = writer
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="oke-writer", daemon=True)
        self._thread.start()

    async def read(self, call: Callable[[U], T]) -> T:
        return await anyio.to_thread.run_sync(call, self.new_uow())

    async def write(self, call: Callable[[U], T], *, ahead: ReadAhead | None = None) -> T:
        """Run `call` in the next batch; it is answered once its batch is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._jobs.put(_Job(call, future, loop, ahead))
        return await future

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while (first := self._jobs.get()) is not None:
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._jobs.put(None)
                    break
                batch.append(job)
            settled: dict[asyncio.AbstractEventLoop, list[tuple[_Job, tuple[bool, Any]]]] = {}
            for job, outcome in self._commit(batch):
                settled.setdefault(job.loop, []).append((job, outcome))
            for loop, outcomes in settled.items():  # one wake-up of each event loop per batch
                with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits any more
                    loop.call_soon_threadsafe(_settle_all, outcomes)

    def _commit(self, batch: list[_Job]) -> list[tuple[_Job, tuple[bool, Any]]]:
        failed: dict[int, Exception] = {}
        values = self._attempt(batch, failed, savepoints=False)
        if values is None:
            values = self._attempt(batch, failed, savepoints=True)
        if values is None:  # what the calls left for the commit spoiled it: each call on its own finds whose it was
            values = {}
            for i, job in enumerate(batch):
                if i not in failed:
                    alone: dict[int, Exception] = {}
                    value = self._attempt([job], alone, savepoints=False)
                    if 0 in alone:
                        failed[i] = alone[0]
                    elif value is not None:
                        values[i] = value[0]
        return [(job, (False, failed[i]) if i in failed else (True, values[i])) for i, job in enumerate(batch)]

    def _attempt(self, batch: list[_Job], failed: dict[int, Exception], *, savepoints: bool) -> dict[int, Any] | None:
        """Run the calls that have not failed; None when one failed without a savepoint to catch it, or when the
        database refused what they left for the commit and more than one of them may be to blame."""
        values: dict[int, Any] = {}
        appends: Appends = {}
        notices: set[str] = set()
        try:
            with self._writer.connect() as connection:
                transaction = connection.begin()
                run: _Run | None = None  # the calls reading ahead alike, under way
                for i, job in enumerate(batch):
                    if i in failed:
                        continue
                    if run is not None and (job.ahead is None or job.ahead.load is not run.ahead.load):
                        run.write(connection)  # the run's writes, not this call's: a failure is the batch's
                        run = None
                    try:
                        if run is None and job.ahead is not None and not savepoints:
                            run = _Run(job.ahead, job.ahead.load(connection, _keys_of_run(batch, i, job.ahead.load)))
                        uow = self.new_uow().in_batch(
                            connection,
                            savepoint=savepoints,
                            appends=appends,
                            notices=notices,
                            ahead=None if run is None else {run.ahead.load: run.read},
                        )
                        values[i] = job.call(uow)
                    except Exception as error:
                        failed[i] = error
                        if not savepoints:
                            if transaction.is_active:  # its unit of work has usually rolled it back
                                transaction.rollback()
                            return None
                if run is not None:
                    run.write(connection)
                write_appends(connection, appends)
                notify(connection, notices)
                transaction.commit()
        except Exception as error:
            left = [i for i in range(len(batch)) if i not in failed]
            if not isinstance(error, UNAVAILABLE) and len(left) > 1:
                log.warning("a batch of %d writes could not be committed, each is run on its own: %s", len(left), error)
                return None
            if isinstance(error, UNAVAILABLE):
                log.exception("a batch of %d writes could not be committed", len(left))
                error = ServiceUnavailable("the database did not take the change; send it again")
            failed.update((i, error) for i in left)
        return values


@dataclass
class _Run:
    ahead: ReadAhead
    #: What `ahead.load` read for the run's calls.
    read: Any

    def write(self, connection: Connection) -> None:
        if self.ahead.write is not None:
            self.ahead.write(connection, self.read)


def _keys_of_run(batch: list[_Job], first: int, load: Callable[[Connection, list[Any]], Any]) -> list[Any]:
    """The keys of the run of calls from `first` on that read ahead with `load` (the first call's)."""
    keys = []
    for job in batch[first:]:
        if job.ahead is None or job.ahead.load is not load:
            break
        keys.append(job.ahead.key)
    return keys


def _settle_all(outcomes: list[tuple[_Job, tuple[bool, Any]]]) -> None:
    for job, (succeeded, value) in outcomes:
        if job.future.cancelled():
            continue
        if succeeded:
            job.future.set_result(value)
        else:
            job.future.set_exception(value)
