"""Independent block tasks, run in this process or on a Dask cluster.

The vocabulary passes (hubs, neighbourhoods) cut their work into tasks
``fn(shared, task)``: ``shared`` is the read-only data every task needs (the
unit rows), ``task`` names a few blocks, and the result is small (counts,
histograms, pairs in a band, per-row top-k), never a block. A task is a pure
function of its inputs, so where it runs does not change its result: a task
lost with its worker simply runs again elsewhere.

:func:`map_blocks` runs the tasks in this process (without importing Dask)
or, given a scheduler address or a :class:`Cluster`, as Dask tasks (the
hubs engine); :meth:`Cluster.mapper` serves engines that take a
``mapper(function, tasks)`` (the k-NN of the neighbourhoods). The shared
data is sent to every worker once (``scatter(broadcast=True)``), not with
each task, rather than read by each worker from a shared cache folder: no
shared file system is needed, and the workers then hold it in memory
(4 * N * d bytes in float32: 3.4 GiB for Google News' 3,000,000 x 300).
The scheduler and the workers need the same Python environment as the
client and this project on their path: the scheduler unpickles the tasks,
the workers run them (start both in the project folder with ``PYTHONPATH=.``).

``python -m lib hubs`` and ``python -m lib neighbours`` take
``--scheduler ADDRESS`` (or :data:`ENV` in the environment) and connect with
:func:`connect`; an unreachable scheduler raises
:class:`lib.errors.ClusterError` within :data:`CONNECT_TIMEOUT` seconds.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any

import numpy as np

from .errors import ClusterError, CosineRingsError

__all__ = ["CONNECT_TIMEOUT", "ENV", "WORKER_WAIT", "Cluster", "connect", "map_blocks", "scheduler_address"]

#: The environment variable read when ``--scheduler`` is not given.
ENV = "COSINE_RINGS_SCHEDULER"
#: Seconds to reach the scheduler.
CONNECT_TIMEOUT = 3.0
#: Seconds to wait for the scheduler's first worker.
WORKER_WAIT = 10.0

Task = Callable[[Any, Any], Any]


def scheduler_address(given: str | None) -> str | None:
    """The scheduler to use: ``given``, else :data:`ENV`; None (run locally) when both are empty."""
    address = given if given is not None else os.environ.get(ENV, "")
    return address.strip() or None


class Cluster:
    """A connection to a Dask scheduler (wraps a ``distributed.Client``)."""

    def __init__(self, client, address: str):
        self.client, self.address = client, address

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    @property
    def threads(self) -> int:
        """Worker threads on the cluster now (at least 1)."""
        return max(sum(self.client.nthreads().values()), 1)

    def task_size(self, n_blocks: int, per_thread: int = 8, most: int = 16) -> int:
        """Blocks per task: about ``per_thread`` tasks for each worker thread, at most ``most`` blocks."""
        return min(max(math.ceil(n_blocks / (per_thread * self.threads)), 1), most)

    def share(self, data: Any):
        """Send ``data`` to every worker once; pass the returned future to :meth:`map`."""
        return self.client.scatter(data, broadcast=True, hash=False)

    def map(self, fn: Task, tasks: Sequence, shared: Any) -> Iterator[tuple[int, Any]]:
        """``(index, fn(shared, tasks[index]))`` as tasks finish; closing the iterator cancels the rest."""
        from distributed import Future

        if not isinstance(shared, Future):
            shared = self.share(shared)
        return self._finished([self.client.submit(fn, shared, task, pure=False) for task in tasks])

    def mapper(self, share_bytes: int = 1 << 20) -> Callable[[Callable, Sequence], Iterator]:
        """A ``mapper(function, tasks)`` that yields ``function(task)`` for every task as it finishes.

        For engines that take such a mapper (:func:`lib.analysis.knn.exact_knn`).
        When ``function`` is a :func:`functools.partial`, its array arguments
        of ``share_bytes`` or more go to every worker once, keyed by content
        (an array that changes between calls is sent again), not with each task.
        """
        arrays: dict[str, Any] = {}

        def shared(value):
            if not isinstance(value, np.ndarray) or value.nbytes < share_bytes:
                return value
            from dask.base import tokenize

            key = tokenize(value)
            if key not in arrays:
                arrays[key] = self.share(value)
            return arrays[key]

        def run(function: Callable, tasks: Sequence) -> Iterator:
            fn, args, kwargs = function, (), {}
            if isinstance(function, partial):
                fn, args = function.func, tuple(shared(x) for x in function.args)
                kwargs = {name: shared(x) for name, x in function.keywords.items()}
            futures = [self.client.submit(fn, task, *args, pure=False, **kwargs) for task in tasks]
            return (result for _, result in self._finished(futures))

        return run

    def _finished(self, futures: list) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                yield index[future.key], _result(future)
                future.release()
        finally:  # done, failed, cancelled or interrupted (Ctrl-C): nothing stays queued
            self.client.cancel([f for f in futures if not f.done()])


_SAME_CODE = "start the scheduler and workers in the project folder with PYTHONPATH=. and the same requirements"


def _result(future):
    """A finished task's result; a failure becomes one line."""
    try:
        return future.result()
    except CosineRingsError:
        raise
    except ModuleNotFoundError as exc:
        raise ClusterError(f"the Dask workers cannot import this project ({exc}); {_SAME_CODE}") from exc
    except RuntimeError as exc:
        if "deserialization" in str(exc):  # the scheduler unpickles the tasks too
            raise ClusterError(f"the Dask scheduler cannot read the tasks; {_SAME_CODE}") from exc
        raise ClusterError(f"a task failed on the cluster: {exc}") from exc
    except Exception as exc:  # a worker-side failure (KilledWorker, lost data): one line, not a traceback
        raise ClusterError(f"a task failed on the cluster: {type(exc).__name__}: {exc}") from exc


def _probe(address: str, timeout: float) -> None:
    """Fail within ``timeout`` unless a Dask server answers at a TCP ``address``.

    Dask itself retries a refused address until its timeout, and takes any
    stray reply for a message length; a Dask server speaks first, with the
    8-byte length of its handshake.
    """
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if scheme not in ("", "tcp"):
        return  # another protocol (tls, inproc, ucx): Dask decides
    if not host or not port.isdigit():
        raise ClusterError(f"{address!r} is not a scheduler address; use tcp://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as sock:
            head = b""
            while len(head) < 8:
                chunk = sock.recv(8 - len(head))
                if not chunk:
                    break
                head += chunk
    except TimeoutError:
        head = b""
    except OSError as exc:
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({exc.strerror or exc})") from exc
    if len(head) < 8 or int.from_bytes(head, "little") > 2**20:
        raise ClusterError(f"no Dask scheduler answers at {address}")


def connect(address: str, timeout: float = CONNECT_TIMEOUT) -> Cluster:
    """Connect to the Dask scheduler at ``address`` and wait for a worker.

    Raises
    ------
    ClusterError
        If dask.distributed is missing, the scheduler cannot be reached within
        ``timeout`` seconds, or it has no worker after :data:`WORKER_WAIT`.
    """
    _probe(address, timeout)
    try:
        from distributed import Client
    except ImportError as exc:
        raise ClusterError("a scheduler needs dask.distributed: pip install 'dask[distributed]'") from exc
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # refused, timed out, bad address, a garbled reply: all one line
        raise ClusterError(f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: {exc})") from exc
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(f"the Dask scheduler at {address} has no workers (waited {WORKER_WAIT:g} s)") from exc
    return Cluster(client, address)


def map_blocks(
    fn: Task,
    tasks: Sequence,
    shared: Any,
    *,
    scheduler: str | Cluster | None = None,
    progress: Callable[[int, int], Any] | None = None,
) -> Iterator[tuple[int, Any]]:
    """``(index, fn(shared, tasks[index]))`` for every task: here, or on the cluster at ``scheduler``.

    Locally the tasks run in order in this thread and Dask is not imported;
    on a cluster results come as tasks finish (in any order: fold them with
    the index). ``progress(done, total)`` follows each task. Closing the
    iterator (or an exception, Ctrl-C included, in the loop over it) cancels
    the remaining tasks.
    """
    total = len(tasks)

    def report(done: int) -> None:
        if progress is not None:
            progress(done, total)

    if scheduler is None:
        for i, task in enumerate(tasks):
            yield i, fn(shared, task)
            report(i + 1)
        return
    cluster = connect(scheduler) if isinstance(scheduler, str) else scheduler
    results = cluster.map(fn, tasks, shared)
    try:
        for done, (i, result) in enumerate(results, start=1):
            yield i, result
            report(done)
    finally:
        results.close()
        if cluster is not scheduler:
            cluster.close()
