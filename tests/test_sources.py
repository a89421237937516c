"""Tests of the embedding sources on real-format files built in tmp_path (no network)."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import numpy as np
import pytest
from source_fixtures import (
    build_bert_folder,
    build_gpt2_folder,
    fill_gensim_data,
    fill_hf_cache,
    write_word2vec,
)

from lib.cli import main
from lib.errors import CosineRingsError, SourceError, SpecError, VectorFileError
from lib.sources import (
    OFFLINE_SOURCES,
    ShuffledListSource,
    ShuffledSource,
    cache_root,
    kinds,
    load_source,
    set_cache_root,
)
from lib.sources._cache import download_file
from lib.sources._table import WordTable, write_table

WORDS = ["king", "queen", "Paris", "apple", "banana", "NASA", "network"]


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    """Every test gets its own cache root and no inherited data folders."""
    for var in ("GENSIM_DATA_DIR", "HF_HUB_CACHE", "HF_HUB_OFFLINE", "COSINE_RINGS_CACHE"):
        monkeypatch.delenv(var, raising=False)
    set_cache_root(tmp_path / "cache")
    yield
    set_cache_root(None)


@pytest.fixture(scope="module")
def gpt2_dir(tmp_path_factory) -> Path:
    return build_gpt2_folder(tmp_path_factory.mktemp("gpt2") / "tiny-gpt2")


@pytest.fixture(scope="module")
def bert_dir(tmp_path_factory) -> Path:
    return build_bert_folder(tmp_path_factory.mktemp("bert") / "tiny-bert")


@pytest.fixture
def w2v_file(tmp_path) -> tuple[Path, np.ndarray]:
    vectors = np.random.default_rng(3).standard_normal((len(WORDS), 8)).astype(np.float32)
    return write_word2vec(tmp_path / "vectors.bin", WORDS, vectors), vectors


# --- cache root -------------------------------------------------------------


def test_cache_root_from_code_and_environment(tmp_path, monkeypatch):
    set_cache_root(None)
    monkeypatch.setenv("COSINE_RINGS_CACHE", str(tmp_path / "env"))
    assert cache_root() == tmp_path / "env"
    set_cache_root(tmp_path / "code")
    assert cache_root() == tmp_path / "code"


# --- glove ------------------------------------------------------------------


def test_glove_semantics_case_and_vocabulary():
    src = load_source("glove")
    res = src.lookup(["king", "queen", "banana", "Paris", "qwxzvbnm"])
    assert src.dim == 50 and res.words == ("king", "queen", "banana", "Paris")
    king, queen, banana = res.vectors[:3]
    assert _cos(king, queen) > _cos(king, banana)
    assert [(n.word, n.note) for n in res.notes] == [("Paris", "found as 'paris'")]
    assert [(m.word, m.reason) for m in res.missing] == [("qwxzvbnm", "not in vocabulary")]
    words, rows = src.vocabulary(5)
    assert words == ["the", ",", ".", "of", "to"] and rows.shape == (5, 50) and rows.dtype == np.float32
    assert np.array_equal(src.lookup(words).vectors, rows)


def test_glove_is_lazy_and_rebuilds_a_damaged_index(tmp_path):
    src = load_source("glove")
    assert not (tmp_path / "cache" / "glove").exists()  # nothing read until the first lookup
    expected = src.lookup(["king"]).vectors
    (index,) = (tmp_path / "cache" / "glove").iterdir()
    (index / "words.bin").write_bytes(b"truncated")
    again = load_source("glove").lookup(["king"])
    assert np.array_equal(again.vectors, expected)
    WordTable(index)  # rebuilt and valid again


def test_sources_are_safe_to_share_between_threads():
    src = load_source("glove")
    results: list = []

    def work():
        results.append(src.lookup(["king", "queen", "banana"]).vectors)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6 and all(np.array_equal(r, results[0]) for r in results)


# --- minilm -----------------------------------------------------------------


def test_minilm_semantics_units_and_unknown_characters():
    src = load_source("minilm")
    assert src.dim == 384
    res = src.lookup(["king", "queen", "banana", "starfruit", "\u2603"])
    king, queen, banana = res.vectors[:3]
    assert _cos(king, queen) > _cos(king, banana)
    assert ("starfruit", "mean of 3 tokens: star + ##fr + ##uit") in [(n.word, n.note) for n in res.notes]
    assert [m.word for m in res.missing] == ["\u2603"]
    units = src.passage_units("The small-world networks of Watts and Strogatz [SEP] are small.")
    assert units[:4] == ["the", "small", "-", "world"] and "[SEP]" not in units
    assert len(units) == len(set(units)) and "##z" in units
    back = src.lookup(units)
    assert back.words == tuple(units) and not back.notes
    assert np.array_equal(back.vectors, src.rows(np.array([src.vocab.tokenizer.token_to_id(u) for u in units])))


def test_minilm_multi_token_options():
    first = load_source("minilm:multi=first").lookup(["starfruit", "star"])
    # 'starfruit' takes its first token, 'star': the same vector, so one node; 'star' is that token as typed.
    assert first.words == ("star",) and (first.missing[0].word, first.missing[0].reason) == (
        "starfruit",
        "same vector as 'star'",
    )
    assert np.array_equal(first.vectors[0], load_source("minilm").lookup(["star"]).vectors[0])
    dropped = load_source("minilm:multi=drop").lookup(["starfruit"])
    assert dropped.words == () and "splits into 3 tokens" in dropped.missing[0].reason
    with pytest.raises(SpecError, match="multi must be one of"):
        load_source("minilm:multi=sum")


# --- word2vec files and the mmap cache ---------------------------------------


def test_word2vec_file_exact_vectors_case_fallback_and_cache(w2v_file, tmp_path):
    path, vectors = w2v_file
    src = load_source(f"word2vec:{path}")
    res = src.lookup(["KING", "queen", "missing"])
    assert res.words == ("KING", "queen")
    assert np.array_equal(res.vectors, vectors[[0, 1]])
    assert res.notes[0].note == "found as 'king'" and res.missing[0].reason == "not in vocabulary"
    (cached,) = (tmp_path / "cache" / "word2vec").iterdir()
    assert WordTable(cached).n == len(WORDS)
    words, rows = src.vocabulary()
    assert words == WORDS and np.array_equal(rows, vectors)


def test_word2vec_damaged_cache_is_rebuilt_and_limit(w2v_file, tmp_path):
    path, vectors = w2v_file
    load_source(f"word2vec:{path}")
    (cached,) = (tmp_path / "cache" / "word2vec").iterdir()
    (cached / "meta.json").write_text("{not json")
    assert np.array_equal(load_source(f"word2vec:{path}").lookup(["apple"]).vectors[0], vectors[3])
    limited = load_source(f"word2vec:{path},limit=2")
    assert limited.spec.endswith(",limit=2") and limited.vocabulary()[0] == ["king", "queen"]


def test_word2vec_text_and_gz_files(tmp_path):
    vectors = np.arange(1, 25, dtype=np.float32).reshape(3, 8)
    text = write_word2vec(tmp_path / "v.txt", ["a", "b", "c"], vectors, binary=False)
    packed = write_word2vec(tmp_path / "v.bin.gz", ["a", "b", "c"], vectors, binary=True, gz=True)
    for path in (text, packed):
        assert np.allclose(load_source(f"word2vec:{path}").lookup(["c"]).vectors[0], vectors[2])


def test_corrupt_word2vec_file_is_one_line_and_nothing_cached(w2v_file, tmp_path):
    path, _ = w2v_file
    data = path.read_bytes()
    bad = tmp_path / "cut.bin"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(VectorFileError) as err:
        load_source(f"word2vec:{bad}")
    assert "\n" not in str(err.value)
    folder = tmp_path / "cache" / "word2vec"
    assert not folder.exists() or not [p for p in folder.iterdir() if (p / "meta.json").exists()]
    with pytest.raises(SourceError, match="no such file"):
        load_source(f"word2vec:{tmp_path / 'absent.bin'}")


# --- gensim-data -------------------------------------------------------------


def test_gensim_data_prefilled_folder(tmp_path, monkeypatch):
    vectors = np.random.default_rng(5).standard_normal((4, 6)).astype(np.float32)
    data = tmp_path / "gensim-data"
    fill_gensim_data(data, "word2vec-google-news-300", ["cat", "dog", "car", "Paris"], vectors)
    fill_gensim_data(data, "glove-wiki-gigaword-100", ["cat", "dog"], vectors[:2] * 2)
    monkeypatch.setenv("GENSIM_DATA_DIR", str(data))
    default = load_source("word2vec")
    assert default.spec == "word2vec" and default.dim == 6
    assert np.array_equal(default.lookup(["paris"]).vectors[0], vectors[3])
    other = load_source("word2vec:glove-wiki-gigaword-100")
    assert np.array_equal(other.lookup(["dog"]).vectors[0], vectors[1] * 2)
    assert next(k for k in kinds() if k.prefix == "word2vec").download_size(None) == 0


def test_gensim_data_without_network_names_offline_sources(tmp_path, monkeypatch):
    monkeypatch.setenv("GENSIM_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setattr("lib.sources._gensim_data._LIST_URL", "http://127.0.0.1:9/list.json")
    with pytest.raises(SourceError) as err:
        load_source("word2vec:glove-wiki-gigaword-50")
    assert "network is unreachable" in str(err.value)
    assert all(name in str(err.value) for name in OFFLINE_SOURCES)
    size = next(k for k in kinds() if k.prefix == "word2vec").download_size
    assert size(None) == 1_743_563_840 and size("not-a-known-model") is None


@pytest.fixture
def local_gensim_server(tmp_path, monkeypatch):
    """A gensim-data look-alike served from tmp_path on 127.0.0.1 (no outside network)."""
    import functools
    import hashlib
    import http.server

    site = tmp_path / "site"
    model = fill_gensim_data(site / "releases", "tiny-model", ["cat", "dog", "car"], np.eye(3, 5, dtype=np.float32) + 1)
    entry = {
        "parts": 1,
        "file_name": "tiny-model.gz",
        "file_size": model.stat().st_size,
        "checksum": hashlib.md5(model.read_bytes()).hexdigest(),
    }
    (site / "list.json").write_text(json.dumps({"models": {"tiny-model": entry}, "corpora": {"text8": {}}}))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr("lib.sources._gensim_data._LIST_URL", f"{url}/list.json")
    monkeypatch.setattr("lib.sources._gensim_data._RELEASE_URL", f"{url}/releases")
    yield site, entry
    server.shutdown()
    server.server_close()


def test_gensim_data_download_with_progress(local_gensim_server, tmp_path):
    site, entry = local_gensim_server
    seen: list[tuple[int, int | None]] = []
    src = load_source("word2vec:tiny-model", progress=lambda d, t: seen.append((d, t)))
    assert np.array_equal(src.lookup(["dog"]).vectors[0], np.eye(3, 5, dtype=np.float32)[1] + 1)
    assert seen[-1] == (entry["file_size"], entry["file_size"])
    assert (tmp_path / "cache" / "gensim-data" / "tiny-model" / "tiny-model.gz").is_file()
    with pytest.raises(SpecError, match="corpus, not a vectors model"):
        load_source("word2vec:text8")
    with pytest.raises(SpecError, match="unknown gensim-data model"):
        load_source("word2vec:no-such-model")


def test_damaged_download_is_fetched_again(local_gensim_server, tmp_path):
    load_source("word2vec:tiny-model", progress=lambda d, t: None)
    model = tmp_path / "cache" / "gensim-data" / "tiny-model" / "tiny-model.gz"
    model.write_bytes(gzip.compress(b"3 5\n" + b"\x00" * 7))  # a damaged model file
    for table in (tmp_path / "cache" / "word2vec").iterdir():
        (table / "meta.json").unlink()  # and no usable cached table
    src = load_source("word2vec:tiny-model", progress=lambda d, t: None)
    assert src.lookup(["car"]).words == ("car",) and model.stat().st_size > 40


def test_gensim_data_bad_checksum_leaves_nothing(local_gensim_server, tmp_path):
    site, entry = local_gensim_server
    (site / "list.json").write_text(json.dumps({"models": {"tiny-model": {**entry, "checksum": "0" * 32}}}))
    with pytest.raises(SourceError, match="checksum"):
        load_source("word2vec:tiny-model", progress=lambda d, t: None)
    data = tmp_path / "cache" / "gensim-data"
    assert not (data / "tiny-model").exists() and not [p for p in data.iterdir() if "tiny" in p.name]


# --- word2vec-train ----------------------------------------------------------


def test_train_lee_is_reproducible_and_cached(tmp_path):
    src = load_source("word2vec-train:lee,dim=20,epochs=3")
    assert src.spec == "word2vec-train:lee,dim=20,epochs=3" and src.dim == 20
    res = src.lookup(["police", "Government", "zzzzunseen"])
    assert res.words == ("police", "Government") and res.missing[0].word == "zzzzunseen"
    set_cache_root(tmp_path / "other-cache")  # forces a second, independent training
    again = load_source("word2vec-train:lee,dim=20,epochs=3").lookup(["police", "Government"])
    assert np.array_equal(res.vectors, again.vectors)


def test_train_on_a_file_and_bad_corpora(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the cat sat on the mat\nthe dog sat on the log\n" * 20)
    src = load_source(f"word2vec-train:{corpus},dim=8,epochs=2,min_count=1")
    assert src.lookup(["cat", "dog"]).vectors.shape == (2, 8)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    with pytest.raises(SourceError, match="corpus is empty"):
        load_source(f"word2vec-train:{empty}")
    assert not (tmp_path / "cache" / "word2vec-train").exists() or not any(
        (p / "meta.json").exists() for p in (tmp_path / "cache" / "word2vec-train").iterdir() if "empty" in p.name
    )
    with pytest.raises(SpecError, match="dim must be between"):
        load_source("word2vec-train:lee,dim=0")


# --- GPT-2 and hf: folders ---------------------------------------------------


def test_gpt2_folder_leading_space_and_pieces(gpt2_dir):
    src = load_source(f"gpt2:{gpt2_dir}")
    tok = src.vocab.tokenizer
    wte = src.matrix.read()
    said = src.lookup(["said"])
    assert np.array_equal(said.vectors[0], wte[tok.token_to_id("Ġsaid")])
    nospace = load_source(f"gpt2:{gpt2_dir},space=0").lookup(["said"])
    assert not np.array_equal(nospace.vectors[0], said.vectors[0])
    ids = tok.encode(" Strogatz").ids
    assert len(ids) > 1
    mean = src.lookup(["Strogatz"])
    assert np.allclose(mean.vectors[0], wte[ids].mean(axis=0), atol=1e-6)
    assert mean.notes[0].note.startswith(f"mean of {len(ids)} tokens: ")
    first = load_source(f"gpt2:{gpt2_dir},multi=first").lookup(["Strogatz"])
    assert np.array_equal(first.vectors[0], wte[ids[0]])
    assert load_source(f"gpt2:{gpt2_dir},multi=drop").lookup(["Strogatz"]).words == ()


@pytest.mark.parametrize("space", ["1", "0"])
def test_gpt2_passage_units_and_vocabulary_round_trip(gpt2_dir, space):
    src = load_source(f"gpt2:{gpt2_dir},space={space}")
    text = "The police said the small-world networks were d\u00e9j\u00e0 vu,  said Strogatz.\n \u2603 <|endoftext|>"
    units = src.passage_units(text)
    ids = list(dict.fromkeys(i for i in src.vocab.tokenizer.encode(text).ids if i not in src.vocab.special))
    assert len(units) == len(ids) == len(set(units))
    back = src.lookup(units)
    assert back.words == tuple(units) and not back.notes
    assert np.array_equal(back.vectors, src.matrix.read()[ids])
    words, rows = src.vocabulary()
    assert len(words) == src.vocab.size - 1  # the one special token is left out
    assert np.array_equal(src.lookup(words).vectors, rows)


def test_hf_bert_folder_float16_and_unknown_characters(bert_dir):
    src = load_source(f"hf:{bert_dir}")
    assert src.matrix.dtype == np.float16 and src.dim == 24
    res = src.lookup(["Police", "\u2603", "said"])
    assert res.words == ("Police", "said")
    assert res.notes[0].note == "token 'police'"
    assert "cannot map" in res.missing[0].reason
    units = src.passage_units("[CLS] The police said the networks [SEP]")
    assert units[:3] == ["the", "police", "said"] and "[CLS]" not in units
    assert src.lookup(units).words == tuple(units)


def test_hf_bad_folders(gpt2_dir, tmp_path):
    from safetensors.numpy import save_file

    def folder_with(name: str, weights: dict | bytes | None, pickle: bool = False) -> Path:
        d = tmp_path / name
        d.mkdir()
        for f in ("tokenizer.json", "config.json"):
            (d / f).write_bytes((gpt2_dir / f).read_bytes())
        if isinstance(weights, dict):
            save_file(weights, str(d / "model.safetensors"))
        elif isinstance(weights, bytes):
            (d / "model.safetensors").write_bytes(weights)
        if pickle:
            (d / "pytorch_model.bin").write_bytes(b"\x80\x04 not loaded")
        return d

    cases = [
        (folder_with("pickle", None, pickle=True), "refusing"),
        (folder_with("none", None), "no model.safetensors"),
        (folder_with("other", {"lm_head.weight": np.ones((4, 4), np.float32)}), "no input-embedding tensor"),
        (folder_with("corrupt", b"\x10\x00\x00\x00\x00\x00\x00\x00{garbage"), "safetensors"),
        (folder_with("short", {"wte.weight": np.ones((10, 4), np.float32)}), "tokenizer has"),
    ]
    for folder, message in cases:
        with pytest.raises(CosineRingsError, match=message) as err:
            load_source(f"hf:{folder}")
        assert "\n" not in str(err.value)
    with pytest.raises(SourceError, match="no such folder"):
        load_source(f"gpt2:{tmp_path / 'absent' / 'x'}")


def test_folders_without_tokenizer_json_use_auto_tokenizer(gpt2_dir, bert_dir, tmp_path):
    text = "The police said the small-world networks were deja vu, said Strogatz."
    for folder, files in ((gpt2_dir, ("vocab.json", "merges.txt")), (bert_dir, ("vocab.txt",))):
        bare = tmp_path / f"{folder.name}-bare"
        bare.mkdir()
        for f in files + ("config.json", "model.safetensors"):
            (bare / f).write_bytes((folder / f).read_bytes())
        full, slow = load_source(f"hf:{folder}"), load_source(f"hf:{bare}")
        assert slow.vocab.byte_level == full.vocab.byte_level
        assert slow.passage_units(text) == full.passage_units(text)
        assert np.array_equal(slow.lookup(["Police", "said"]).vectors, full.lookup(["Police", "said"]).vectors)


def test_hf_sharded_checkpoint_reads_only_the_embedding_shard(gpt2_dir, tmp_path):
    from safetensors.numpy import save_file

    folder = tmp_path / "sharded"
    folder.mkdir()
    for f in ("tokenizer.json", "config.json"):
        (folder / f).write_bytes((gpt2_dir / f).read_bytes())
    wte = load_source(f"gpt2:{gpt2_dir}").matrix.read()
    save_file({"h.0.attn.weight": np.ones((2, 2), np.float32)}, str(folder / "model-00001-of-00002.safetensors"))
    save_file({"transformer.wte.weight": wte * 3}, str(folder / "model-00002-of-00002.safetensors"))
    index = {
        "weight_map": {
            "h.0.attn.weight": "model-00001-of-00002.safetensors",
            "transformer.wte.weight": "model-00002-of-00002.safetensors",
        }
    }
    (folder / "model.safetensors.index.json").write_text(json.dumps(index))
    src = load_source(f"hf:{folder}")
    assert src.tensor == "transformer.wte.weight" and np.array_equal(src.matrix.read(), wte * 3)


def test_hub_progress_is_forwarded_from_tqdm():
    from lib.sources._hub import _forwarding_tqdm

    calls: list[tuple[int, int | None]] = []
    bar = _forwarding_tqdm(lambda d, t: calls.append((d, t)))(total=100)
    bar.update(30)
    bar.update(70)
    bar.close()
    assert calls == [(30, 100), (100, 100)]


# --- GPT-2 through the hub cache (HF_HUB_OFFLINE=1) -------------------------


def test_hub_cache_offline(gpt2_dir, tmp_path, monkeypatch):
    hub = tmp_path / "hub"
    fill_hf_cache(hub, "openai-community/gpt2", gpt2_dir)
    fill_hf_cache(hub, "tests/tiny-gpt2", gpt2_dir)
    monkeypatch.setenv("HF_HUB_CACHE", str(hub))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    default = load_source("gpt2")
    assert default.spec == "gpt2" and default.dim == 16
    named = load_source("gpt2:tests/tiny-gpt2")
    assert np.array_equal(named.lookup(["said"]).vectors, default.lookup(["said"]).vectors)
    assert next(k for k in kinds() if k.prefix == "gpt2").download_size(None) == 0
    assert next(k for k in kinds() if k.prefix == "gpt2").download_size("distilgpt2") == 352_824_413
    assert next(k for k in kinds() if k.prefix == "hf").download_size("tests/unknown") is None
    with pytest.raises(SourceError) as err:
        load_source("hf:tests/not-cached")
    assert "network is unreachable" in str(err.value) and "word2vec-train:lee" in str(err.value)
    with pytest.raises(SpecError, match="neither a local folder nor"):
        load_source("hf:bad id!")


# --- shuffled ------------------------------------------------------------------


def test_shuffled_permutes_rows_of_its_base():
    base, shuf = load_source("glove"), load_source("shuffled:glove,seed=7")
    assert isinstance(shuf, ShuffledSource) and shuf.spec == "shuffled:glove,seed=7"
    words = ["king", "queen", "banana"]
    got = shuf.lookup(words).vectors
    idx = [base.resolve(w).ids[0] for w in words]
    assert np.array_equal(got, base.rows(shuf.permutation[idx]))
    assert not np.array_equal(got, base.lookup(words).vectors)
    assert sorted(shuf.permutation[:1000].tolist()) != list(range(1000))
    w, rows = shuf.vocabulary(100)
    assert w == base.vocabulary(100)[0] and np.array_equal(rows, base.rows(shuf.permutation[:100]))
    assert not np.array_equal(load_source("shuffled:glove,seed=8").lookup(words).vectors, got)


def test_shuffled_random_permutes_among_words():
    base = load_source("random:dim=10,seed=1")
    shuf = load_source("shuffled:random:dim=10,seed=1,seed=2")
    assert isinstance(shuf, ShuffledListSource) and shuf.base.spec == "random:dim=10,seed=1"
    words = [f"w{i}" for i in range(12)]
    a, b = base.lookup(words).vectors, shuf.lookup(words).vectors
    assert not np.array_equal(a, b)
    assert sorted(map(tuple, a.tolist())) == sorted(map(tuple, b.tolist()))
    with pytest.raises(SpecError):
        load_source("shuffled:shuffled:glove")


# --- downloads -----------------------------------------------------------------


def test_download_file_progress_checksum_and_atomicity(tmp_path):
    import hashlib

    payload = bytes(range(256)) * 4096
    src = tmp_path / "payload.bin"
    src.write_bytes(payload)
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "out" / "file.bin"
    download_file(
        src.as_uri(),
        target,
        what="test",
        progress=lambda d, t: seen.append((d, t)),
        md5=hashlib.md5(payload).hexdigest(),
    )
    assert target.read_bytes() == payload and seen[-1] == (len(payload), len(payload))
    bad = tmp_path / "out" / "bad.bin"
    with pytest.raises(SourceError, match="checksum"):
        download_file(src.as_uri(), bad, what="test", progress=lambda d, t: None, md5="0" * 32)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["file.bin"]


def test_keyed_vectors_source_vocabulary(w2v_file):
    from lib.sources import KeyedVectorsSource, load_word2vec_file

    path, vectors = w2v_file
    src = KeyedVectorsSource(load_word2vec_file(path), spec="upload:x", name="x")
    words, rows = src.vocabulary(3)
    assert words == WORDS[:3] and np.array_equal(rows, vectors[:3])


def test_word_table_round_trip_and_duplicates(tmp_path):
    words = ["b", "a", "ü", "longer word", ""]
    write_table(tmp_path / "t", words, np.eye(5, dtype=np.float32))
    table = WordTable(tmp_path / "t")
    assert [table.index(w) for w in words] == [0, 1, 2, 3, 4] and table.index("c") is None
    with pytest.raises(VectorFileError, match="duplicate"):
        write_table(tmp_path / "u", ["a", "a"])
    assert not (tmp_path / "u").exists()


# --- command line ----------------------------------------------------------------


def test_cli_graph_and_sources(w2v_file, capsys):
    path, _ = w2v_file
    for spec in ("glove", f"word2vec:{path}", "shuffled:glove", "word2vec-train:lee,epochs=2"):
        assert main(["graph", "--source", spec, "--words", "king,queen,apple,banana,network"]) == 0
        out = json.loads(capsys.readouterr().out)
        assert out["source"] == spec if spec != "shuffled:glove" else out["source"] == "shuffled:glove,seed=0"
    assert main(["sources", "--format", "json"]) == 0
    rows = {r["kind"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"glove", "minilm", "word2vec", "word2vec-train", "gpt2", "hf", "shuffled", "random"} <= set(rows)
    assert rows["glove"]["offline"] is True and rows["word2vec"]["offline"] is False
    assert rows["glove"]["download_bytes"] == 0 and rows["word2vec"]["download_bytes"] > 10**9
    assert main(["graph", "--source", "gpt2:/no/such/dir", "--words", "a,b"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_each_backend_declares_its_kinds_in_the_listed_order():
    from lib.sources import _abtt, _gensim_data, _glove, _hf, _random, _shuffled, _train, _upload

    declared = [
        _random.KIND,
        _glove.KIND,
        _hf.MINILM,
        _gensim_data.KIND,
        _train.KIND,
        _hf.GPT2,
        _hf.HF,
        _shuffled.KIND,
        _abtt.KIND,
        _upload.KIND,
    ]
    assert kinds() == declared
    assert [k.prefix for k in kinds()] == [
        "random",
        "glove",
        "minilm",
        "word2vec",
        "word2vec-train",
        "gpt2",
        "hf",
        "shuffled",
        "abtt",
        "upload",
    ]
    # The download size comes from the same parse that loads: a nested SPEC asks its base.
    from lib.sources import download_size

    assert download_size("shuffled:glove,seed=3") == download_size("glove") == 0
    assert download_size("shuffled:gpt2:distilgpt2,seed=1") == 352_824_413
    assert download_size("abtt:gpt2:distilgpt2,top=2") == 352_824_413
