"""Faults survived: a download that breaks halfway, a full cache disk, a source whose load raises.

In each case the user gets a clear one-line error, nothing corrupt is
trusted later, and a retry succeeds once the fault is gone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_hub import FakeHub
from tests.source_fixtures import build_gpt2_folder

ROOT = Path(__file__).resolve().parents[1]
WORDS = "the,of,and,to,in,said"


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lib", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, **env},
    )


@pytest.fixture(scope="module")
def gpt2_folder(tmp_path_factory) -> Path:
    return build_gpt2_folder(tmp_path_factory.mktemp("ckpt") / "tiny-gpt2")


def test_download_breaking_halfway_then_retry(tmp_path, gpt2_folder):
    cache = tmp_path / "cache"
    with FakeHub("fake-org/tiny-gpt2", gpt2_folder) as hub:
        env = {
            "HF_ENDPOINT": hub.endpoint,
            "COSINE_RINGS_CACHE": str(cache),
            "HF_HUB_DISABLE_XET": "1",
            "HF_HUB_OFFLINE": "0",
            "HF_HUB_CACHE": "",
        }
        hub.mode = "drop"
        broken = cli("graph", "--source", "gpt2:fake-org/tiny-gpt2", "--words", WORDS, env=env)
        assert broken.returncode == 2, broken.stderr
        err = broken.stderr.strip().splitlines()
        assert err and err[-1].startswith("error: ") and "tiny-gpt2" in err[-1], broken.stderr
        assert "Traceback" not in broken.stderr
        # No complete weights file is in the cache for a later run to trust.
        snapshots = list(cache.rglob("snapshots/*/model.safetensors"))
        assert snapshots == []
        assert hub.weight_gets >= 2  # the first GET broke, the retries found the connection closed

        hub.mode = "ok"
        fixed = cli("graph", "--source", "gpt2:fake-org/tiny-gpt2", "--words", WORDS, env=env)
        assert fixed.returncode == 0, fixed.stderr
    local = cli("graph", "--source", f"gpt2:{gpt2_folder}", "--words", WORDS, env={})
    assert local.returncode == 0, local.stderr
    got, want = json.loads(fixed.stdout), json.loads(local.stdout)
    assert got["words"] == want["words"]
    assert got["threshold"] == want["threshold"]
    assert [n["degree"] for n in got["nodes"]] == [n["degree"] for n in want["nodes"]]
    # The downloaded weights are byte-identical to the served ones.
    (weights,) = list(cache.rglob("snapshots/*/model.safetensors"))
    assert weights.read_bytes() == (gpt2_folder / "model.safetensors").read_bytes()


def test_unreachable_hub_fails_fast_naming_offline_sources(tmp_path):
    env = {"HF_ENDPOINT": "http://127.0.0.1:9", "COSINE_RINGS_CACHE": str(tmp_path), "HF_HUB_OFFLINE": "0"}
    proc = cli("graph", "--source", "gpt2", "--words", WORDS, env=env)
    assert proc.returncode == 2
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith("error: ") and "glove" in line and "random" in line, proc.stderr


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 16 KB filesystem (tmpfs) for the cache: writes to it fail with 'No space left'."""
    mnt = tmp_path / "tiny-disk"
    mnt.mkdir()

    def mount(size: str) -> None:
        proc = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)], capture_output=True, text=True
        )
        assert proc.returncode == 0, f"the full-disk test needs root to mount a tmpfs: {proc.stderr.strip()}"

    mount("16k")
    yield mnt, mount
    subprocess.run(["umount", str(mnt)], capture_output=True)


def test_full_cache_disk_then_retry(tiny_disk, tmp_path):
    mnt, mount = tiny_disk
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(["the cat sat on the mat with the dog", "a dog and a cat ate the food"] * 60))
    env = {"COSINE_RINGS_CACHE": str(mnt)}
    args = ("graph", "--source", f"word2vec-train:{corpus}", "--words", "cat,dog,mat,food,the")
    full = cli(*args, env=env)
    assert full.returncode == 2, full.stderr
    line = full.stderr.strip().splitlines()[-1]
    assert line.startswith("error: cannot write to the cache folder") and "No space left" in line, full.stderr
    assert "Traceback" not in full.stderr
    # Nothing half-written is left behind for a later run to trust (an empty build lock is not an entry).
    assert [p for p in mnt.rglob("*") if p.is_file() and ".locks" not in p.parts] == []

    subprocess.run(["umount", str(mnt)], check=True)
    mount("64m")  # the disk has room again
    ok = cli(*args, env=env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["words"] == ["cat", "dog", "mat", "food", "the"]
    again = cli(*args, env=env)  # now served from the cache
    assert again.stdout == ok.stdout
