"""Runners: where units of work (:class:`bnverify.verify.planning.Unit`) run. One small protocol,
:meth:`Runner.run_units`, two runners:

* :class:`InlineRunner` — one unit after the other in this process;
* :class:`DaskRunner` — a Dask client: by default an embedded ``LocalCluster`` (worker processes, one
  thread each, one worker per core, no dashboard) started by the runner and stopped when it closes;
  with ``scheduler=ADDRESS`` (or ``BNVERIFY_SCHEDULER``) a running cluster (its workers need bnverify
  installed, same version).

:func:`runner_for` picks one (``workers=1`` or ``scheduler="inline"``: inline); the records are
identical either way (the ``seconds`` fields aside). Units carry their statement; the Dask runner
ships it cloudpickled once per statement (the modules of a user theorem folder,
``bnverify_theorems_<hash>_<stem>``, which a worker cannot import by name, pickled by value). Tasks
are pure and submitted with ``retries``: a worker that dies mid-unit (killed, out of memory) has its
units run again elsewhere, so no example is lost. A unit that raises comes back as a
:class:`UnitFailed` in its place (its campaign becomes an error result; the others go on).

With a :class:`bnverify.verify.store.Store`, finished units are written as they finish and units already
stored are not run again (resumable runs). Ctrl-C (and SIGTERM, turned into ``KeyboardInterrupt``
while a runner is open in the main thread) closes the client and the embedded cluster, whose worker
processes end with it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass, replace

from bnverify.verify.searchers import run_unit

SCHEDULER_ENV = "BNVERIFY_SCHEDULER"
INLINE = "inline"
RETRIES = 3
USER_MODULE_PREFIX = "bnverify_theorems_"
SCHEDULER_SCHEMES = ("tcp", "tls")


def check_scheduler(address: str, *, source: str = "--scheduler", timeout: float = 5.0) -> str:
    """``address`` as given, once it is ``inline`` or ``[tcp://|tls://]host:port`` with a scheduler
    listening there; otherwise ValueError, one line naming ``source`` (the flag or the variable).
    Called before any work: a closed port is refused in seconds, not after the run."""
    import socket

    if address == INLINE:
        return address
    scheme, sep, rest = address.strip().rpartition("://")
    host, colon, port = rest.rpartition(":")
    host = host.strip("[]")
    if (sep and scheme not in SCHEDULER_SCHEMES) or not colon or not host or "/" in rest \
            or not (port.isdigit() and 0 < int(port) < 65536):
        raise ValueError(f"{source}: expected '{INLINE}' or a Dask scheduler address "
                         f"[{'|'.join(s + '://' for s in SCHEDULER_SCHEMES)}]HOST:PORT, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as e:
        raise ValueError(f"{source}: no Dask scheduler answers at {address} "
                         f"({e.strerror or type(e).__name__})") from None
    return address


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover (not Linux)
        return max(1, os.cpu_count() or 1)


@dataclass
class UnitFailed:
    """A unit that raised: its place in :meth:`Runner.run_units`'s answer (the campaign fails, not the run)."""

    message: str
    traceback: str
    exception: BaseException | None = None  # in-process only (re-raised by falsify)

    @classmethod
    def of(cls, e: BaseException) -> "UnitFailed":
        tb = "".join(traceback.format_exception(type(e), e, e.__traceback__))
        return cls(f"{type(e).__name__}: {e}".strip(), tb, e)


def progress_printer(stream=None, every: float = 5.0):
    """A ``progress`` callback printing ``units done/total`` at most every ``every`` seconds."""
    stream = stream or sys.stderr
    last = [0.0]

    def show(done, total, unit, records):
        now = time.monotonic()
        if done == total or now - last[0] >= every:
            last[0] = now
            what = f" ({unit.key} {unit.searcher})" if unit is not None else " (from the store)"
            print(f"[bnverify] {done}/{total} units{what}", file=stream, flush=True)

    return show


# --- the protocol -------------------------------------------------------------------------------------
class Runner:
    """Runs units: :meth:`run_units` returns each unit's records (or its :class:`UnitFailed`), in unit
    order. A context manager (SIGTERM raises ``KeyboardInterrupt`` while it is open); reusable."""

    def run_units(self, units, *, store=None, progress=None) -> list:
        """The records of every unit, in unit order. ``store``: skip units it holds, write each unit as
        it finishes; ``progress(done, total, unit, records)`` after each unit (unit None: from the store)."""
        units = list(units)
        out: list = [None] * len(units)
        todo = []
        for i, u in enumerate(units):
            got = store.get(u.id) if store is not None else None
            if got is not None:
                out[i] = got
            else:
                todo.append(i)
        done = len(units) - len(todo)
        if progress is not None and done:
            progress(done, len(units), None, None)

        def finish(i, records):
            nonlocal done
            out[i] = records
            if store is not None and not isinstance(records, UnitFailed):
                store.put(units[i], records)
            done += 1
            if progress is not None:
                progress(done, len(units), units[i], records)

        if todo:
            self._run(units, todo, finish)
        return out

    def _run(self, units, todo, finish) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def start(self) -> "Runner":
        self._catch_sigterm()
        return self

    def close(self) -> None:
        self._restore_sigterm()

    def __enter__(self) -> "Runner":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    _old_sigterm = None

    def _catch_sigterm(self):
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # someone else handles SIGTERM (the command line does)

        def on_sigterm(signum, frame):
            raise KeyboardInterrupt("SIGTERM")

        self._old_sigterm = signal.signal(signal.SIGTERM, on_sigterm)

    def _restore_sigterm(self):
        if self._old_sigterm is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._old_sigterm)
        self._old_sigterm = None


class InlineRunner(Runner):
    """Units one after the other in this process."""

    inline = True

    def _run(self, units, todo, finish) -> None:
        for i in todo:
            try:
                records = run_unit(units[i])
            except Exception as e:  # noqa: BLE001  (a campaign that raises fails alone)
                records = UnitFailed.of(e)
            finish(i, records)

    def describe(self) -> str:
        return "in-process (inline)"


# --- shipping statements to Dask workers ---------------------------------------------------------------
_BY_VALUE: set[str] = set()


def _register_user_modules() -> None:
    """Pickle the modules of user theorem folders by value (a worker cannot import them by name)."""
    import cloudpickle

    for name, mod in list(sys.modules.items()):
        if name.startswith(USER_MODULE_PREFIX) and mod is not None and name not in _BY_VALUE:
            cloudpickle.register_pickle_by_value(mod)
            _BY_VALUE.add(name)


def pickle_statement(stmt) -> bytes:
    """``stmt`` as bytes a worker can load without the user's theorem folder."""
    import cloudpickle

    _register_user_modules()
    return cloudpickle.dumps(stmt)


_LOADED: dict[str, object] = {}  # per process: digest of a pickled statement -> the statement


def execute(unit, blob: bytes) -> list[dict]:
    """Run one unit whose statement travels as ``blob`` (loaded once per process): the task every
    Dask worker runs (pure: same unit, same records, in any process)."""
    digest = hashlib.sha1(blob).hexdigest()
    if digest not in _LOADED:
        import cloudpickle

        _LOADED[digest] = cloudpickle.loads(blob)
    return run_unit(unit, _LOADED[digest])


_QUIET_EXIT = []


def _register_quiet_exit() -> None:
    """At exit, close any cluster left half-built by an interrupt quietly, before distributed's own
    atexit hook (registered earlier, so run later) would print a traceback for it."""
    if _QUIET_EXIT:
        return
    import atexit

    from distributed.deploy.spec import SpecCluster

    def quiet():
        for c in list(SpecCluster._instances):
            try:
                c.close(timeout=2)
            except BaseException:  # noqa: BLE001
                pass
            SpecCluster._instances.discard(c)

    atexit.register(quiet)
    _QUIET_EXIT.append(quiet)


class DaskRunner(Runner):
    """Units on a Dask cluster: an embedded ``LocalCluster`` of ``workers`` processes, or the running
    cluster at ``scheduler``. Started on first use (or by ``with``), stopped by :meth:`close`."""

    inline = False

    def __init__(self, scheduler: str | None = None, workers: int | None = None, *, retries: int = RETRIES,
                 silence_logs: int = logging.CRITICAL):
        if workers is not None and (not isinstance(workers, int) or workers < 1):
            raise ValueError(f"workers: expected a positive integer, got {workers!r}")
        if retries < 0:
            raise ValueError(f"retries: expected >= 0, got {retries}")
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self.retries = retries
        self.silence_logs = silence_logs
        self.client = None
        self.cluster = None

    def start(self) -> "DaskRunner":
        if self.client is not None:
            return self
        from distributed import Client, LocalCluster

        self._catch_sigterm()
        try:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout="30s")
            else:
                _register_quiet_exit()
                self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                            dashboard_address=None, silence_logs=self.silence_logs)
                self.client = Client(self.cluster)
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                # interrupted while the nannies start: their start-up tasks fail on the cluster's
                # event loop, and asyncio would log each ("Task exception was never retrieved", a
                # traceback) when it is collected, after the command has said it was interrupted
                logging.getLogger("asyncio").disabled = True
            self.close()
            raise
        return self

    def close(self) -> None:
        client, cluster, self.client, self.cluster = self.client, self.cluster, None, None
        try:
            if client is not None:
                client.close(timeout=5)
        except Exception:  # noqa: BLE001  (closing: the cluster goes next whatever happened)
            pass
        finally:
            if cluster is not None:
                try:
                    cluster.close(timeout=10)
                except BaseException:  # noqa: BLE001  (interrupted mid-close: the nannies die with us anyway)
                    pass
                finally:  # never leave it to distributed's atexit hook (it prints a traceback)
                    from distributed.deploy.spec import SpecCluster

                    SpecCluster._instances.discard(cluster)
            self._restore_sigterm()

    def describe(self) -> str:
        if self.scheduler:
            return f"Dask cluster at {self.scheduler}"
        return f"embedded Dask LocalCluster, {self.workers} worker process(es)"

    def _run(self, units, todo, finish) -> None:
        self.start()
        from distributed import as_completed

        blobs: dict[int, bytes | UnitFailed] = {}  # per statement object
        futures, by_key = {}, {}
        for i in todo:
            u = units[i]
            sid = id(u.statement)
            if sid not in blobs:
                try:
                    blobs[sid] = pickle_statement(u.statement)
                except Exception as e:  # noqa: BLE001  (a statement that cannot travel fails its campaign)
                    blobs[sid] = UnitFailed.of(e)
            blob = blobs[sid]
            if isinstance(blob, UnitFailed):
                finish(i, blob)
                continue
            bare = replace(u, statement=None)
            key = "bnverify-" + hashlib.sha1(repr((bare, hashlib.sha1(blob).hexdigest())).encode()).hexdigest()
            if key not in by_key:
                by_key[key] = self.client.submit(execute, bare, blob, key=key, pure=True, retries=self.retries)
            futures.setdefault(by_key[key], []).append(i)
        try:
            for fut in as_completed(list(futures)):
                try:
                    records = fut.result()
                except Exception as e:  # noqa: BLE001  (raised on every retry: the campaign fails alone)
                    records = UnitFailed.of(e)
                for i in futures[fut]:
                    finish(i, records)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise


def runner_for(scheduler: str | None = None, workers: int | None = None) -> Runner:
    """The runner for ``scheduler`` (default ``BNVERIFY_SCHEDULER``) and ``workers``: inline for
    ``scheduler="inline"`` or, without a scheduler, one worker; else a :class:`DaskRunner`."""
    scheduler = scheduler if scheduler is not None else (os.environ.get(SCHEDULER_ENV) or None)
    if scheduler == INLINE or (scheduler is None and workers == 1):
        return InlineRunner()
    return DaskRunner(scheduler, workers)
