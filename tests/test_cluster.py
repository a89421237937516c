"""Block passes on a real Dask cluster: a scheduler and workers started here as separate processes.

Every result must equal the in-process run to the last bit (degrees, ranks,
threshold, median, std, the Parquet table), also when a worker is killed
in the middle of a run; a scheduler that cannot be reached fails in seconds.
"""

from __future__ import annotations

import json
import operator
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import distributed  # noqa: F401  (scripts/test.sh installs requirements-cluster.txt: these tests never skip)
import numpy as np
import pytest

from lib.cli import main
from lib.cluster import connect, map_blocks, scheduler_address
from lib.errors import ClusterError
from lib.hubs import Cancelled, hub_degrees, write_result
from lib.sources._cache import set_cache_root
from tests.cluster_support import start_scheduler, start_worker, stop

ROOT = Path(__file__).resolve().parents[1]


def _wait_workers(address: str, n: int, timeout: float = 120) -> None:
    """Wait for ``n`` workers; on a loaded machine a worker can take longer than connect()'s own wait."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with connect(address) as cluster:
                cluster.client.wait_for_workers(n, timeout=max(deadline - time.monotonic(), 1.0))
            return
        except ClusterError:
            if time.monotonic() > deadline:
                raise


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a scheduler with two single-thread workers on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("dask")
    try:
        address, proc = start_scheduler(tmp, tmp / "scheduler.log")
    except RuntimeError as exc:
        pytest.fail(str(exc))
    procs = [proc]
    try:
        procs += [start_worker(address, tmp / f"worker{i}.log") for i in range(2)]
        _wait_workers(address, 2)
        yield address
    finally:
        stop(procs)


@pytest.fixture
def cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield tmp_path / "cache"
    set_cache_root(None)


def _same(a, b) -> None:
    """Bit-for-bit equal results."""
    assert (a.threshold, a.median, a.std, a.flat) == (b.threshold, b.median, b.std, b.flat)
    assert a.degree.dtype == b.degree.dtype
    np.testing.assert_array_equal(a.degree, b.degree)
    np.testing.assert_array_equal(a.rank, b.rank)


def _tokens(n: int) -> list[str]:
    return [f"t{i}" for i in range(n)]


@pytest.mark.parametrize("rule,kw", [("seed", {"k": 1.7}), ("course", {}), ("fixed", {"value": 0.1})])
def test_hubs_on_the_cluster_equal_the_local_run(scheduler, tmp_path, rule, kw):
    vectors = np.random.default_rng(11).standard_normal((1500, 32)).astype(np.float32)
    local = hub_degrees(_tokens(1500), vectors, block=128, rule=rule, **kw)
    remote = hub_degrees(_tokens(1500), vectors, block=128, rule=rule, scheduler=scheduler, **kw)
    _same(local, remote)
    assert remote.timings["workers"] == 2 and local.timings["workers"] == 0
    assert remote.timings["passes"] == local.timings["passes"] == (2 if rule == "course" else 1)
    import pyarrow.parquet as pq

    tables = [
        pq.read_table(write_result(r, tmp_path / f"{name}.parquet"))
        for name, r in (("local", local), ("remote", remote))
    ]
    assert tables[0].equals(tables[1])


def test_float64_and_two_pass_paths_on_the_cluster(scheduler):
    base = np.random.default_rng(1).standard_normal(40)
    nearly_constant = base + 1e-4 * np.random.default_rng(2).standard_normal((300, 40))
    with connect(scheduler) as cluster:  # one connection for several runs
        for kw in ({}, {"rule": "course"}):
            local = hub_degrees(_tokens(300), nearly_constant, block=32, **kw)
            assert local.timings["dtype"] == "float64"
            _same(local, hub_degrees(_tokens(300), nearly_constant, block=32, scheduler=cluster, **kw))


def test_cli_scheduler_writes_the_same_table(scheduler, cache, tmp_path, capsys, monkeypatch):
    import pyarrow.parquet as pq

    args = ["hubs", "--source", "random", "--top", "700", "--no-cache", "--show", "0"]
    assert main(args + ["--out", str(tmp_path / "local.parquet")]) == 0
    assert main(args + ["--out", str(tmp_path / "remote.parquet"), "--scheduler", scheduler]) == 0
    monkeypatch.setenv("COSINE_RINGS_SCHEDULER", scheduler)
    assert main(args + ["--out", str(tmp_path / "env.parquet")]) == 0
    local, remote, env = (pq.read_table(tmp_path / f"{n}.parquet") for n in ("local", "remote", "env"))
    assert local.select(["token", "degree", "rank"]).equals(remote.select(["token", "degree", "rank"]))
    assert local.select(["token", "degree", "rank"]).equals(env.select(["token", "degree", "rank"]))
    meta = [json.loads(t.schema.metadata[b"cosine_rings_hubs"]) for t in (local, remote, env)]
    for m in meta[1:]:
        assert [m[k] for k in ("threshold", "median", "std", "n_edges")] == [
            meta[0][k] for k in ("threshold", "median", "std", "n_edges")
        ]
    assert meta[0]["timings"]["workers"] == 0 and meta[1]["timings"]["workers"] == 2
    assert "wrote" in capsys.readouterr().out


def test_a_worker_killed_mid_run_changes_nothing(scheduler, tmp_path):
    extra = start_worker(scheduler, tmp_path / "extra.log")
    try:
        _wait_workers(scheduler, 3)
        vectors = np.random.default_rng(5).standard_normal((2000, 32)).astype(np.float32)
        local = hub_degrees(_tokens(2000), vectors, block=128, rule="course")
        seen = []

        def kill_once(done: int, total: int) -> None:
            seen.append(done)
            if done and extra.poll() is None:
                extra.kill()  # SIGKILL: no goodbye to the scheduler; its tasks must run again elsewhere
                extra.wait(timeout=10)

        remote = hub_degrees(_tokens(2000), vectors, block=128, rule="course", scheduler=scheduler, progress=kill_once)
        assert extra.returncode == -signal.SIGKILL
        assert seen[-1] == remote.timings["blocks"] * 2  # both passes saw every block
        _same(local, remote)
    finally:
        stop([extra])


def test_cancel_on_the_cluster_then_run_again(scheduler):
    vectors = np.random.default_rng(2).standard_normal((800, 16)).astype(np.float32)
    with pytest.raises(Cancelled):
        hub_degrees(_tokens(800), vectors, block=64, scheduler=scheduler, progress=lambda d, t: d < 10)
    _same(
        hub_degrees(_tokens(800), vectors, block=64), hub_degrees(_tokens(800), vectors, block=64, scheduler=scheduler)
    )


def test_map_blocks_here_and_on_the_cluster(scheduler):
    shared, tasks = ["a", "b", "c", "d"], [3, 0, 2, 1, 1]
    for where in (None, scheduler):
        progress: list[tuple[int, int]] = []
        got = dict(
            map_blocks(
                operator.getitem,
                tasks,
                shared,
                scheduler=where,
                progress=lambda d, t, seen=progress: seen.append((d, t)),
            )
        )
        assert [got[i] for i in range(len(tasks))] == ["d", "a", "c", "b", "b"]
        assert progress == [(i, 5) for i in range(1, 6)]


def test_knn_on_the_cluster_equals_the_local_run(scheduler):
    from lib.analysis.knn import exact_knn

    vectors = np.random.default_rng(4).standard_normal((900, 24))
    vectors[7] = vectors[3] * 2  # an exact tie at the k-th neighbour of some rows
    local = exact_knn(vectors, 8, block=64)
    with connect(scheduler) as cluster:
        remote = exact_knn(vectors, 8, block=64, mapper=cluster.mapper(share_bytes=1024))
    np.testing.assert_array_equal(local.index, remote.index)
    assert local.cosine.tobytes() == remote.cosine.tobytes()
    np.testing.assert_array_equal(local.tied, remote.tied)


def test_cli_neighbours_with_a_scheduler_prints_and_writes_the_same(scheduler, cache, tmp_path, capsys):
    from source_fixtures import write_word2vec

    rng = np.random.default_rng(9)
    words = [f"w{i}" for i in range(300)]
    a = write_word2vec(tmp_path / "a.bin", words, rng.standard_normal((300, 12)))
    b = write_word2vec(tmp_path / "b.bin", words, rng.standard_normal((300, 12)))
    args = [
        "neighbours",
        "--a",
        f"word2vec:{a}",
        "--b",
        f"word2vec:{b}",
        "--top",
        "250",
        "--k",
        "6",
        "--null",
        "--no-cache",
    ]
    outputs = []
    for extra, name in (([], "local"), (["--scheduler", scheduler], "remote")):
        assert main(args + extra + ["--out", str(tmp_path / f"{name}.parquet")]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] and json.loads(outputs[0])["words"] == words[:250]
    import pyarrow.parquet as pq

    assert pq.read_table(tmp_path / "local.parquet").equals(pq.read_table(tmp_path / "remote.parquet"))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_unreachable_scheduler_is_one_line_and_exit_2(cache, tmp_path):
    port = _closed_port()
    out = tmp_path / "never.parquet"
    argv = [
        sys.executable,
        "-m",
        "lib",
        "hubs",
        "--source",
        "random",
        "--top",
        "50",
        "--out",
        str(out),
        "--scheduler",
        f"tcp://127.0.0.1:{port}",
    ]
    t0 = time.monotonic()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    want = f"error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} (Connection refused)"
    assert done.stderr.strip() == want
    assert time.monotonic() - t0 < 30  # a hang guard: Dask alone would retry for its whole timeout
    assert not out.exists()


@pytest.mark.parametrize(
    "where,message",
    [("env", "cannot reach the Dask scheduler at 127.0.0.1:"), ("nowhere", "'nowhere' is not a scheduler address")],
)
def test_bad_scheduler_in_process(cache, tmp_path, capsys, monkeypatch, where, message):
    args = ["hubs", "--source", "random", "--top", "50", "--out", str(tmp_path / "never.parquet")]
    if where == "env":
        monkeypatch.setenv("COSINE_RINGS_SCHEDULER", f"127.0.0.1:{_closed_port()}")
    else:
        args += ["--scheduler", where]
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"error: {message}")
    assert not (tmp_path / "never.parquet").exists()


def test_scheduler_address_and_local_runs_import_no_dask(monkeypatch):
    monkeypatch.setenv("COSINE_RINGS_SCHEDULER", "  ")
    assert scheduler_address(None) is None
    assert scheduler_address("tcp://h:1") == "tcp://h:1"
    monkeypatch.setenv("COSINE_RINGS_SCHEDULER", "tcp://h:2")
    assert scheduler_address(None) == "tcp://h:2" and scheduler_address("") is None
    code = (
        "import sys, numpy as np; from lib.hubs import hub_degrees; "
        "hub_degrees(list('abcdefgh'), np.random.default_rng(0).standard_normal((8, 3))); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    with pytest.raises(ClusterError, match="not a scheduler address"):
        connect("nowhere")
