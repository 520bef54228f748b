"""Executors for sweeps: anything with the ``concurrent.futures.Executor`` interface.

* ``serial`` (default): runs each point in the calling process, in grid order; deterministic.
* ``process``: :class:`concurrent.futures.ProcessPoolExecutor` with the ``forkserver`` (or
  ``spawn``) start method, one worker per core. Point functions must be importable
  (module-level); spec points are rebuilt in the worker from the spec text and the registries.
* ``dask``: a ``distributed`` client's ``Client.get_executor()``; a fresh
  ``LocalCluster`` bound to 127.0.0.1 (no dashboard) or an existing scheduler (``scheduler=``).
  ``dask`` is imported here only, and only when asked for.

Results do not depend on the executor: every point is computed by the same function on the same
inputs, and the merged dataset is assembled in grid order from the stored points.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from typing import Any

from ..errors import InvalidParameterError

__all__ = ["EXECUTORS", "SerialExecutor", "check_executor_args", "executor_parallelism",
           "make_executor"]

log = logging.getLogger(__name__)

#: Names accepted by :func:`make_executor` (and ``--executor`` on the command line).
EXECUTORS = ("serial", "process", "dask")


class SerialExecutor(Executor):
    """Runs each submitted call immediately in the calling thread (deterministic order).

    Exceptions are stored in the future, as with any executor; ``KeyboardInterrupt`` propagates.
    """

    def __init__(self) -> None:
        self._shutdown = False

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        if self._shutdown:
            raise RuntimeError("cannot submit to a SerialExecutor after shutdown")
        fut: Future = Future()
        fut.set_running_or_notify_cancel()
        try:
            fut.set_result(fn(*args, **kwargs))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._shutdown = True


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _mp_context():
    # fork is unsafe with threads (BLAS, dask) and differs across platforms; forkserver/spawn
    # start clean interpreters, so workers import qbattery and the registries afresh.
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:  # pragma: no cover - Windows, some macOS setups
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # Workers fork from a server that has already imported the heavy modules: start-up in ms.
    ctx.set_forkserver_preload(["numpy", "scipy.linalg", "xarray", "qbattery",
                                "qbattery.experiments.sweep"])
    return ctx


def executor_parallelism(executor: Executor) -> int:
    """How many calls ``executor`` runs at once (1 if unknown)."""
    if isinstance(executor, SerialExecutor):
        return 1
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, sum(client.nthreads().values()))
    return 1


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise InvalidParameterError(
            "executor", "dask", "an installed dask.distributed (pip install 'qbattery[dask]')"
        ) from exc
    return distributed


def check_executor_args(kind: Any = "serial", workers: int | None = None,
                        scheduler: str | None = None) -> str | Executor:
    """Validate executor arguments (before anything is started or written); return the kind."""
    if isinstance(kind, Executor):
        return kind
    if scheduler is not None and kind in (None, "serial"):
        kind = "dask"
    kind = "serial" if kind is None else kind
    if kind not in EXECUTORS:
        raise InvalidParameterError("executor", kind, f"one of {', '.join(EXECUTORS)}")
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):
        raise InvalidParameterError("workers", workers, "an integer >= 1")
    if scheduler is not None and kind != "dask":
        raise InvalidParameterError("scheduler", scheduler, "to be used with executor 'dask'")
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise InvalidParameterError("scheduler", scheduler, "a scheduler address like "
                                    "tcp://127.0.0.1:8786")
    if kind == "dask":
        _import_distributed()
    return kind


@contextlib.contextmanager
def make_executor(kind: str | Executor | None = "serial", *, workers: int | None = None,
                  scheduler: str | None = None) -> Iterator[Executor]:
    """Context manager yielding an executor; it is shut down (cluster closed) on exit.

    Parameters
    ----------
    kind
        ``"serial"``, ``"process"`` or ``"dask"``, or an executor you made yourself (yielded as is
        and not shut down).
    workers
        Number of worker processes (``process`` and a new dask ``LocalCluster``); default: the
        number of usable cores.
    scheduler
        Address of a running dask scheduler (``tcp://host:8786``); implies ``kind="dask"``.
    """
    kind = check_executor_args(kind, workers, scheduler)
    if isinstance(kind, Executor):
        yield kind
        return
    n = workers or _cpu_count()

    if kind == "serial":
        ex = SerialExecutor()
        try:
            yield ex
        finally:
            ex.shutdown()
        return

    if kind == "process":
        from concurrent.futures import ProcessPoolExecutor

        ex = ProcessPoolExecutor(max_workers=n, mp_context=_mp_context())
        try:
            yield ex
        finally:
            ex.shutdown(wait=True, cancel_futures=True)
        return

    distributed = _import_distributed()
    cluster = None
    if scheduler is not None:
        log.info("connecting to the dask scheduler at %s", scheduler)
        client = distributed.Client(scheduler)
    else:
        # One single-threaded worker process per core: the GIL-bound point functions scale with
        # processes, and BLAS inside each point stays single-threaded as in the other executors.
        cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        yield client.get_executor()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
