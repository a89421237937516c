"""Per-word neighbourhoods: the blockwise k-NN equals a looped float64 reference; vocabulary rules; CLI."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from exact_reference import integer_vectors, rational_knn
from source_fixtures import build_gpt2_folder, write_word2vec

from lib.analysis.knn import Cancelled, block_tasks, exact_knn, grouping_order, nearest
from lib.analysis.neighbours import chance_jaccard, shuffled_knn
from lib.analysis.neighbours_store import cached_neighbours, neighbours_for
from lib.cli import main
from lib.errors import InputError
from lib.sources import load_source
from lib.sources._cache import set_cache_root
from lib.sources._tokenizer import TokenVocab


@pytest.fixture(autouse=True)
def cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield tmp_path / "cache"
    set_cache_root(None)


def reference_knn(vectors: np.ndarray, k: int) -> np.ndarray:
    """Looped float64: unit rows, one pair at a time, sorted by cosine then vocabulary order."""
    v = np.asarray(vectors, dtype=np.float64)
    unit = v / np.linalg.norm(v, axis=1)[:, None]
    n = len(v)
    out = np.empty((n, k), dtype=np.int64)
    for i in range(n):
        sims = [(-np.einsum("ij,ij->i", unit[[i]], unit[[j]])[0], j) for j in range(n) if j != i]
        out[i] = [j for _, j in sorted(sims)[:k]]
    return out


def _words(n: int) -> list[str]:
    return [f"w{i}" for i in range(n)]


def _rotation(d: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q


@pytest.mark.parametrize("n,d,k,block", [(2, 3, 1, 16), (37, 5, 4, 16), (300, 12, 10, 64), (513, 40, 7, 100)])
def test_knn_equals_looped_reference(n, d, k, block):
    v = np.random.default_rng(n).standard_normal((n, d)).astype(np.float32)
    got = exact_knn(v, k, block=block)
    np.testing.assert_array_equal(got.index, reference_knn(v, k))
    unit = v.astype(np.float64) / np.linalg.norm(v.astype(np.float64), axis=1)[:, None]
    want_cos = np.take_along_axis(unit @ unit.T, got.index, axis=1)
    np.testing.assert_allclose(got.cosine, want_cos, atol=1e-12)
    assert got.checked >= n * k and got.boundary == got.checked - n * k


def test_block_tasks_cover_every_pair_once():
    for n, block in [(100, 16), (128, 16), (50, 64), (1000, 100)]:
        diagonal, off = block_tasks(n, block)
        pairs = [(t.row, c) for t in diagonal + off for c in t.cols]
        assert sorted({tuple(sorted(p)) for p in pairs}) == sorted(tuple(sorted(p)) for p in pairs)
        starts = range(0, n, block)
        assert len(pairs) == len(starts) * (len(starts) + 1) // 2
        sizes = [len(t.cols) for t in off]
        assert not sizes or max(sizes) - min(sizes) <= 1  # balanced tasks


def test_any_mapper_gives_the_same_result():
    v = np.random.default_rng(3).standard_normal((400, 16)).astype(np.float32)

    def threads(function, tasks):
        with ThreadPoolExecutor(3) as pool:
            return list(pool.map(function, tasks))[::-1]  # results in another order

    local = exact_knn(v, 6, block=50)
    mapped = exact_knn(v, 6, block=50, mapper=threads)
    np.testing.assert_array_equal(local.index, mapped.index)
    np.testing.assert_array_equal(local.index, reference_knn(v, 6))
    for count in (1, 3):  # the default mapper's threads
        again = exact_knn(v, 6, block=50, threads=count)
        np.testing.assert_array_equal(again.index, local.index)
        np.testing.assert_array_equal(again.cosine, local.cosine)
    with pytest.raises(InputError, match="threads"):
        exact_knn(v, 6, threads=0)


def test_near_ties_at_the_kth_neighbour_are_settled_in_float64():
    """Neighbours whose cosines differ by 1e-9 (below float32 resolution) and exact duplicates."""
    rng = np.random.default_rng(7)
    base = rng.standard_normal((60, 8))
    centre = base[0] / np.linalg.norm(base[0])
    ring = []
    for step in range(12):  # 12 words at nearly the same cosine to word 0
        other = rng.standard_normal(8)
        other -= (other @ centre) * centre
        other /= np.linalg.norm(other)
        angle = 0.5 - step * 1e-9  # later words nearer: float32 ties by index would pick the wrong ones
        ring.append(np.cos(angle) * centre + np.sin(angle) * other)
    v = np.concatenate([base, np.array(ring), base[:5]])  # base[:5] again: exact ties
    got = exact_knn(v, 10, block=16)
    np.testing.assert_array_equal(got.index, reference_knn(v, 10))
    assert got.boundary > 0  # the ring's words had to be settled in float64
    assert got.settled >= 1
    assert got.tied.any()


def test_shuffled_null_equals_a_search_on_the_shuffled_rows():
    rng = np.random.default_rng(5)
    v = rng.standard_normal((80, 6))
    v = np.concatenate([v, v[:30]])  # duplicated rows: ties at the k-th neighbour
    knn = exact_knn(v, 3, block=16)
    got = shuffled_knn(v, knn, seed=11)
    p = np.random.default_rng(11).permutation(len(v))
    want = reference_knn(v[p], 3)
    np.testing.assert_array_equal(np.sort(got, axis=1), np.sort(want, axis=1))


def test_exact_ties_go_by_vocabulary_order_not_rounding():
    """(0,1,1) and (0,3,3) are exactly tied for (1,6,6); float64 sums make the second look nearer."""
    x = np.array([[1.0, 6, 6], [0, 1, 1], [0, 3, 3], [4, 1, 0]])
    for order in ([0, 1, 2, 3], [0, 2, 1, 3]):
        got = exact_knn(x[order], 1)
        assert got.index[0].tolist() == [1] and got.tied[0]
    got = exact_knn(x, 2)
    assert got.index[0].tolist() == [1, 2] and got.cosine[0, 0] == got.cosine[0, 1]  # equal cosines print equal
    assert got.cosine[0, 0] == 12 / np.sqrt(146)  # correctly rounded: 12 / sqrt(73 * 2)
    assert nearest(x, [0], 1)[0].tolist() == [[1]]


@pytest.mark.parametrize("d,k,seed", [(3, 10, 0), (2, 3, 1), (4, 1, 2)])
def test_integer_vectors_equal_exact_rational_arithmetic(d, k, seed):
    v = integer_vectors(130, d, seed)
    want = rational_knn(v, k)
    got = exact_knn(v, k, block=32)
    np.testing.assert_array_equal(got.index, want)
    np.testing.assert_array_equal(got.index, exact_knn(v.astype(np.float32), k, block=64).index)
    np.testing.assert_array_equal(nearest(v, np.arange(0, 130, 7), k)[0], want[::7])
    p = np.random.default_rng(11).permutation(len(v))
    want_shuffled = rational_knn(v[p], k)  # as sets: the null's Jaccard needs no order within them
    np.testing.assert_array_equal(np.sort(shuffled_knn(v, got, seed=11), axis=1), np.sort(want_shuffled, axis=1))
    assert got.tied.any()


def test_grouped_rows_keep_exact_ties_in_vocabulary_order():
    """300 rows: the search runs on rows grouped by similarity, yet ties go to the smaller original row."""
    v = integer_vectors(300, 3, 4)
    assert not np.array_equal(grouping_order(v.astype(np.float32)), np.arange(300))  # the grouping is in play
    got = exact_knn(v, 6, block=64)
    np.testing.assert_array_equal(got.index, rational_knn(v, 6))
    assert got.tied.any()


def test_chance_level_matches_a_simulation():
    rng = np.random.default_rng(0)
    for k, m in [(1, 5), (5, 40), (10, 60)]:
        draws = []
        for _ in range(20000):
            a, b = rng.choice(m, k, replace=False), rng.choice(m, k, replace=False)
            x = len(np.intersect1d(a, b))
            draws.append(x / (2 * k - x))
        assert chance_jaccard(k, m) == pytest.approx(np.mean(draws), abs=4 * np.std(draws) / np.sqrt(len(draws)))
    assert chance_jaccard(3, 3) == 1.0


def _pair(tmp_path: Path, vectors_a, vectors_b, words_a, words_b) -> tuple[str, str]:
    a = write_word2vec(tmp_path / "a.bin", words_a, np.asarray(vectors_a))
    b = write_word2vec(tmp_path / "b.bin", words_b, np.asarray(vectors_b))
    return f"word2vec:{a}", f"word2vec:{b}"


def test_rotation_agrees_everywhere_and_moved_words_rank_lowest(tmp_path):
    rng = np.random.default_rng(1)
    v = rng.standard_normal((400, 16))
    rotated = v @ _rotation(16, 2)
    moved = [5, 77, 301]
    rotated[moved] = rng.standard_normal((3, 16)) * 3
    words = _words(400)
    # B lists its words in another order: the shared vocabulary follows A's.
    a, b = _pair(tmp_path, v, rotated[::-1], words, words[::-1])
    same = neighbours_for(a, f"word2vec:{tmp_path / 'a.bin'}", top=400, k=8)
    assert (same.jaccard == 1).all()
    r = neighbours_for(a, b, top=400, k=8)
    assert r.words == tuple(words)
    np.testing.assert_array_equal(r.index_a, reference_knn(v.astype(np.float32), 8))
    np.testing.assert_array_equal(r.index_b, reference_knn(rotated.astype(np.float32), 8))
    lowest = np.argsort(r.jaccard, kind="stable")[:3]
    assert sorted(lowest.tolist()) == moved
    assert r.jaccard[moved].max() < 0.2
    s = r.summary()
    assert s["mean_jaccard"] == pytest.approx(r.jaccard.mean()) and 0.9 < s["mean_jaccard"] < 1
    assert s["chance_jaccard"] == pytest.approx(chance_jaccard(8, 399))


def test_a_zero_or_nan_row_in_b_has_its_own_reason_in_top_mode(tmp_path):
    from lib.analysis.neighbours_vocab import shared_vocabulary

    words = _words(20)
    va = np.random.default_rng(8).standard_normal((20, 4))
    vb = va.copy()
    vb[3], vb[5] = 0.0, np.nan  # B's file has w3 and w5, with vectors no cosine can use
    a, b = _pair(tmp_path, va, vb, words, words)
    v = shared_vocabulary(load_source(a), load_source(b), 20)
    assert v.dropped == {"b: zero or non-finite vector": 2} and "w3" not in v.words and "w5" not in v.words
    shuffled = shared_vocabulary(load_source(a), load_source(f"shuffled:{b}"), 20)
    assert shuffled.dropped == {"b: zero or non-finite vector": 2}


def test_words_on_one_side_only_are_dropped_and_counted(tmp_path):
    rng = np.random.default_rng(2)
    words_a = _words(50) + ["Cat", "onlyA"]
    words_b = _words(50)[::2] + ["cat", "onlyB"]
    a, b = _pair(tmp_path, rng.standard_normal((52, 6)), rng.standard_normal((27, 6)), words_a, words_b)
    r = neighbours_for(a, b, top=1000, k=3)
    assert r.words == tuple(_words(50)[::2])
    assert r.dropped == {"b: not in vocabulary": 26, "b: only in another case": 1}
    r2 = neighbours_for(a, b, top=4, k=3)
    assert r2.words == ("w0", "w2", "w4", "w6") and r2.dropped == {"b: not in vocabulary": 3}


def test_word_list_as_vocabulary(tmp_path):
    rng = np.random.default_rng(4)
    words = _words(30)
    a, b = _pair(tmp_path, rng.standard_normal((30, 5)), rng.standard_normal((29, 5)), words, words[:-1])
    listed = ["w3", "w1", "nope", "w29", "w7", "w1", "W2", "w5"]
    r = neighbours_for(a, b, words=listed, k=2)
    assert r.words == ("w3", "w1", "w7", "w5")
    reasons = {m.word: m.reason for m in r.missing}
    assert reasons["nope"] == "A: not in vocabulary"
    assert reasons["w29"] == "B: not in vocabulary"
    assert reasons["w1"] == "duplicate"
    assert reasons["W2"].startswith("A: not a single entry")
    va = load_source(a).lookup(list(r.words)).vectors
    np.testing.assert_array_equal(r.index_a, reference_knn(va, 2))


def test_gpt2_folder_against_word2vec_leading_space_single_tokens(tmp_path):
    folder = build_gpt2_folder(tmp_path / "gpt2", vocab_size=600, dim=16)
    vocab = TokenVocab(folder)
    candidates = [
        "the",
        "of",
        "and",
        "to",
        "in",
        "government",
        "said",
        "Australia",
        "xylophonic",
        "police",
        "people",
        "the,",
        "##he",
        "quizzical",
        "was",
        "for",
    ]
    single = [w for w in candidates if len(vocab.tokenizer.encode(" " + w).ids) == 1 and not w.startswith("##")]
    assert 5 <= len(single) < len(candidates) - 2  # the fixture has both kinds
    rng = np.random.default_rng(9)
    w2v = write_word2vec(tmp_path / "w.bin", candidates, rng.standard_normal((len(candidates), 8)))
    r = neighbours_for(f"word2vec:{w2v}", f"gpt2:{folder}", top=100, k=2)
    assert r.words == tuple(single)
    assert sum(r.dropped.values()) == len(candidates) - len(single)
    assert r.dropped.get("a: word-internal or byte token") == 1
    # The token rows are the leading-space tokens' embedding rows.
    gpt = load_source(f"gpt2:{folder}")
    ids = [vocab.tokenizer.token_to_id("Ġ" + w) for w in single]
    np.testing.assert_array_equal(r.index_b, reference_knn(gpt.rows(np.array(ids)), 2))
    # The other way round: GPT-2's order, word-internal pieces skipped.
    back = neighbours_for(f"gpt2:{folder}", f"word2vec:{w2v}", top=100, k=2)
    assert set(back.words) == set(single)
    assert back.dropped["a: word-internal or byte token"] > 0


def test_cache_roundtrip_and_shuffled_summary(tmp_path):
    rng = np.random.default_rng(6)
    v = rng.standard_normal((120, 10))
    a, b = _pair(tmp_path, v, v + 0.3 * rng.standard_normal(v.shape), _words(120), _words(120))
    assert cached_neighbours(a, b, top=100, k=5, null=True) is None
    first = neighbours_for(a, b, top=100, k=5, null=True)
    again = cached_neighbours(a, b, top=100, k=5, null=True)
    assert again is not None and again.words == first.words and again.summary() == first.summary()
    np.testing.assert_array_equal(again.index_b, first.index_b)
    np.testing.assert_array_equal(again.cosine_a, first.cosine_a)
    s = first.summary()
    assert s["shuffled_jaccard"] < s["mean_jaccard"]
    assert abs(s["shuffled_jaccard"] - s["chance_jaccard"]) < 0.05
    dom = first.dominoes("w3")
    assert list(dom["A"]) == first.neighbours(3, "a") and dom["cosine A"].is_monotonic_decreasing
    assert dom["shared A"].sum() == first.shared[3]


def test_cancel_raises():
    v = np.random.default_rng(0).standard_normal((300, 4))
    with pytest.raises(Cancelled):
        exact_knn(v, 3, block=16, progress=lambda done, total: done < 2)


def test_cli_json_csv_and_out(tmp_path, capsys):
    rng = np.random.default_rng(8)
    a, b = _pair(tmp_path, rng.standard_normal((40, 6)), rng.standard_normal((40, 6)), _words(40), _words(40))
    assert (
        main(["neighbours", "--a", a, "--b", b, "--top", "30", "--k", "4", "--out", str(tmp_path / "t.parquet")]) == 0
    )
    text = capsys.readouterr().out
    out = json.loads(text)
    assert list(out) == ["a", "b", "k", "n", "summary", "words", "missing", "dropped", "per_word"]
    assert text.index('"summary"') < text.index('"words"')  # the summary before the long lists
    assert {
        "mean_jaccard",
        "median_jaccard",
        "mutual_knn",
        "chance_jaccard",
        "mean_procrustes_shift",
        "mean_local_shift",
    } <= set(out["summary"])  # and the vocabulary-scale CKA and Procrustes (tests/test_measures.py)
    assert out["words"] == _words(30) and [p["word"] for p in out["per_word"]] == _words(30)
    first = out["per_word"][0]
    va = load_source(a).lookup(_words(30)).vectors
    assert first["neighbours_a"] == [f"w{j}" for j in reference_knn(va, 4)[0]]
    table = pd.read_parquet(tmp_path / "t.parquet")
    assert list(table.columns[:2]) == ["word", "jaccard"]  # then the shifts and map columns (test_shifts.py)
    assert {"neighbours_a", "neighbours_b"} <= set(table.columns)
    assert list(table["neighbours_b"][0]) == first["neighbours_b"]
    assert main(["neighbours", "--a", a, "--b", b, "--top", "30", "--k", "4", "--summary-only"]) == 0
    assert json.loads(capsys.readouterr().out) == {k: out[k] for k in ("a", "b", "k", "n", "summary")}
    assert main(["neighbours", "--a", a, "--b", b, "--top", "30", "--k", "4", "--format", "csv"]) == 0
    rows = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert json.loads(rows["neighbours_a"][0]) == first["neighbours_a"]


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--top", "30", "--k", "0"], "--k must be at least 1"),
        (["--top", "30", "--k", "30"], "k must be between 1 and 29"),
        (["--top", "1"], "--top must be at least 2"),
        (["--words", "w1", "--k", "1"], "only 1 of the words"),
        ([], "give one of --top N"),
        (["--top", "5", "--words", "w1,w2"], "give one of --top N"),
        (["--top", "5", "--out", "x.txt"], "--out must name"),
    ],
)
def test_cli_bad_k_and_n_exit_2(tmp_path, capsys, extra, message):
    rng = np.random.default_rng(8)
    a, b = _pair(tmp_path, rng.standard_normal((40, 6)), rng.standard_normal((40, 6)), _words(40), _words(40))
    assert main(["neighbours", "--a", a, "--b", b, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err


def test_random_against_a_vocabulary_and_random_against_random(tmp_path, capsys):
    a = write_word2vec(tmp_path / "a.bin", _words(10), np.random.default_rng(0).standard_normal((10, 4)))
    assert main(["neighbours", "--a", "random", "--b", f"word2vec:{a}", "--top", "5", "--k", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["words"] == _words(10)[:5]  # B's order when A has none
    result = neighbours_for(f"word2vec:{a}", "random:dim=4", top=5, k=2, use_cache=False)
    assert list(result.words) == _words(10)[:5]
    assert main(["neighbours", "--a", "random", "--b", "random:dim=8", "--top", "5"]) == 2
    assert "has a vocabulary" in capsys.readouterr().err


# -- the Neighbours page ---------------------------------------------------------------


def _page(query: dict):
    from tests.apptest_support import app_test

    at = app_test(query, timeout=180)
    at.run()
    at.switch_page("app_pages/neighbours.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_neighbours_page_computes_shows_and_reopens_from_cache():
    from lib.analysis.neighbours_chart import brushed_words
    from tests.apptest_support import server_like_navigation

    with server_like_navigation():
        at = _page({"a": "glove", "b": "minilm", "top": "400", "nk": "5", "nword": "people"})
        assert at.number_input(key="nb_top").value == 400 and at.number_input(key="nb_k").value == 5
        assert any("Not computed yet" in i.value for i in at.info)
        at.button(key="nb_compute").click().run()
        assert not at.exception, [e.value for e in at.exception]
        want = neighbours_for("glove", "minilm", top=400, k=5, null=True)  # the page's cached run
        s = want.summary()
        shown = {m.label: m.value for m in at.metric}
        assert shown["mean Jaccard"] == f"{s['mean_jaccard']:.3f}"
        assert shown["chance level"] == f"{s['chance_jaccard']:.4f}"
        assert shown["shuffled null"] == f"{s['shuffled_jaccard']:.4f}"
        spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
        params = spec.get("params", []) + [p for layer in spec.get("layer", []) for p in layer.get("params", [])]
        assert [p["select"]["type"] for p in params if p["name"] == "brush"] == ["interval"]
        assert at.dataframe[0].value["word"].tolist() == brushed_words(want, None)["word"].tolist()
        dom = at.dataframe[1].value
        assert dom["A"].tolist() == want.neighbours(want.words.index("people"), "a")
        assert dom["B"].tolist() == want.neighbours(want.words.index("people"), "b")
        assert (dom["shared A"] == "●").sum() == want.shared[want.words.index("people")]
        assert at.query_params["nword"] == "people" and at.query_params["top"] == "400"
        at.text_input(key="nb_word").set_value("zzzunknownzzz").run()
        assert any("not among the 400 shared words" in w.value for w in at.warning)
        again = _page({"a": "glove", "b": "minilm", "top": "400", "nk": "5"})
        assert not again.info and {m.label: m.value for m in again.metric} == shown


def test_compare_page_lists_ring_word_neighbourhoods():
    from tests.apptest_support import app_test

    at = app_test({"a": "glove", "b": "minilm", "preset": "course"}, timeout=180)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    box = at.selectbox(key="cmp_nb_word")
    word = box.options[0]
    at.selectbox(key="cmp_nb_word").set_value(word).run()
    frames = [d.value for d in at.dataframe if "shared A" in d.value.columns]
    assert frames and len(frames[0]) == 5


def test_lookup_path_for_sources_without_row_ids_gives_the_same_vocabulary(tmp_path):
    from lib.analysis.neighbours_vocab import shared_vocabulary
    from lib.sources import KeyedVectorsSource, load_word2vec_file

    rng = np.random.default_rng(12)
    words_a = _words(60) + ["Dog", "solo"]
    words_b = _words(60)[::3] + ["dog"]
    a, b = _pair(tmp_path, rng.standard_normal((62, 4)), rng.standard_normal((21, 4)), words_a, words_b)
    kv = KeyedVectorsSource(load_word2vec_file(tmp_path / "a.bin"), spec="kv", name="kv")
    by_rows = shared_vocabulary(load_source(a), load_source(b), 15)
    by_lookup = shared_vocabulary(kv, load_source(b), 15)
    assert by_rows.words == by_lookup.words == tuple(_words(60)[::3][:15])
    assert by_rows.dropped == by_lookup.dropped == {"b: not in vocabulary": 28}
    np.testing.assert_array_equal(by_rows.vectors_a, by_lookup.vectors_a)
    np.testing.assert_array_equal(by_rows.vectors_b, by_lookup.vectors_b)


def test_random_has_every_word_so_the_other_sources_order_decides():
    from lib.analysis.neighbours_vocab import shared_vocabulary
    from lib.sources import load_source

    glove, rand = load_source("glove"), load_source("random:dim=16,seed=3")
    v = shared_vocabulary(glove, rand, 300)
    first = [w for w in glove.vocabulary(400)[0]][:300]
    assert list(v.words) == first and v.dropped == {}
    np.testing.assert_array_equal(v.vectors_b, rand.lookup(first).vectors.astype(np.float32))
    w = shared_vocabulary(rand, glove, 300)  # A without a vocabulary: B's order, A's vectors stay A's
    assert w.words == v.words and w.vectors_a.shape == (300, 16) and w.vectors_b.shape == (300, 50)
    np.testing.assert_array_equal(w.vectors_b, v.vectors_a)
    with pytest.raises(InputError, match="neither"):
        shared_vocabulary(rand, load_source("random:dim=8"), 10)
