"""Uploaded vectors: parsed with caps, never unpickled, clear one-line errors."""

from __future__ import annotations

import pickle
import tempfile
from pathlib import Path

import numpy as np
import pytest

from lib.errors import VectorFileError
from lib.graph import build_graph
from lib.sources._upload import MAX_UPLOAD_BYTES, hold_upload, upload_source


def w2v_bytes(words, vectors, binary: bool) -> bytes:
    from gensim.models import KeyedVectors

    kv = KeyedVectors(vector_size=vectors.shape[1])
    kv.add_vectors(words, vectors.astype(np.float32))
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "v"
        kv.save_word2vec_format(str(p), binary=binary)
        return p.read_bytes()


@pytest.mark.parametrize("binary", [True, False])
def test_upload_round_trip(binary):
    words = ["cat", "dog", "car", "bus"]
    vecs = np.random.default_rng(0).standard_normal((4, 6))
    src = upload_source(w2v_bytes(words, vecs, binary), "../../etc/my vectors.bin")
    assert src.spec.startswith("upload:my_vectors.bin#") and "/" not in src.spec
    res = build_graph(src, ["cat", "dog", "car", "Bus", "zebra"])
    assert res.graph.words == ("cat", "dog", "car", "Bus")
    np.testing.assert_allclose(src.lookup(["cat"]).vectors[0], vecs[0], rtol=1e-6)
    assert [m.reason for m in res.missing] == ["not in vocabulary"]


def test_same_content_same_spec():
    data = w2v_bytes(["a", "b", "c"], np.eye(3), True)
    assert upload_source(data, "x.bin").spec == upload_source(data, "x.bin").spec


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"garbage that is not a header\n", "not a word2vec file"),
        (pickle.dumps({"cat": [1.0, 2.0]}), "not a word2vec file"),
        (b"999999999 50\n", "at most 200,000"),
        (b"3 100000\n", "dimension 100000"),
        (b"3 4\ncat 1 2 3 4\ndog 1 2\n", "malformed or truncated"),
        (b"3 4\n", "truncated"),
    ],
)
def test_bad_uploads(data, message):
    with pytest.raises(VectorFileError, match=message) as exc:
        upload_source(data, "bad.vec")
    assert "\n" not in str(exc.value)
    assert "cosine-rings-upload" not in str(exc.value)  # the private temp path is not shown


def test_truncated_binary_upload():
    data = w2v_bytes(["a", "b", "c", "d"], np.ones((4, 40)), True)
    with pytest.raises(VectorFileError, match="bad.bin: malformed or truncated"):
        upload_source(data[: len(data) // 2], "bad.bin")


def test_oversized_upload_is_refused_before_parsing():
    with pytest.raises(VectorFileError, match="uploads take at most"):
        upload_source(b"1 1\n" + b"0" * MAX_UPLOAD_BYTES, "big.vec")


def test_no_temporary_files_left_behind():
    before = set(Path(tempfile.gettempdir()).glob("cosine-rings-upload-*"))
    with pytest.raises(VectorFileError):
        upload_source(b"3 4\ncat 1 2 3 4\n", "bad.vec")
    upload_source(w2v_bytes(["a", "b", "c"], np.eye(3), False), "ok.vec")
    assert set(Path(tempfile.gettempdir()).glob("cosine-rings-upload-*")) == before


def test_held_upload_loads_by_spec_while_its_holder_lives():
    import gc

    from lib.errors import SourceError
    from lib.sources import load_source

    data = w2v_bytes(["cat", "dog", "car"], np.eye(3), True)
    held = hold_upload(data, "three.bin")
    assert hold_upload(data, "three.bin") is held  # same content, same source, parsed once
    assert load_source(held.spec).lookup(["dog"]).words == ("dog",)
    # Other visitors' uploads never evict it (no server-wide pool).
    others = [hold_upload(w2v_bytes(["a", "b", "c"], np.eye(3) + i, True), f"other{i}.bin") for i in range(6)]
    assert load_source(held.spec) is held and len(others) == 6
    spec = held.spec
    del held
    gc.collect()
    with pytest.raises(SourceError, match="only while the session that uploaded it is open"):
        load_source(spec)


def test_app_upload_vectors_as_a_source_then_a_corrupt_one():
    import json

    from tests.apptest_support import app_test
    from ui.sources import UPLOAD

    words = ["cat", "dog", "car", "bus", "pear"]
    data = w2v_bytes(words, np.random.default_rng(2).standard_normal((5, 8)), True)
    at = app_test({"words": ",".join(words), "b": "random:dim=50"})
    at.run()
    at.selectbox(key="a_choice").set_value(UPLOAD).run()
    assert not at.exception
    assert any("upload a word2vec" in str(e.value) for e in [*at.error, *at.warning, *at.info])
    at.file_uploader(key="a_vectors").set_value(("mine.bin", data, "application/octet-stream")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    rings = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(rings) >= 2
    assert at.query_params["a"].startswith("upload:mine.bin#")
    # A corrupt upload: one clear error, and ring B still drawn.
    at.file_uploader(key="a_vectors").set_value(("bad.bin", data[: len(data) // 2], "application/octet-stream")).run()
    assert not at.exception
    from ui.text import shown

    errors = " ".join(shown(str(e.value)) for e in at.error)
    assert "bad.bin: malformed or truncated" in errors
    assert len(at.get("vega_lite_chart")) >= 1
