"""Per-word shifts and vocabulary maps (lib.shifts) against float64 references written from the definitions."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from source_fixtures import write_word2vec

from lib.analysis.knn import exact_knn
from lib.analysis.neighbours import compare_neighbourhoods, null_permutation, shuffled_knn
from lib.analysis.neighbours_store import cached_neighbours, neighbours_for
from lib.analysis.neighbours_vocab import SharedVocabulary
from lib.cli import main
from lib.errors import InputError
from lib.shifts import align_2d, local_shift, pca_2d, procrustes_shift, vocabulary_maps, word_shifts
from lib.sources._cache import set_cache_root


@pytest.fixture(autouse=True)
def cache(tmp_path):
    set_cache_root(tmp_path / "cache")
    yield tmp_path / "cache"
    set_cache_root(None)


def _rotation(d: int, seed: int) -> np.ndarray:
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((d, d)))
    return q


def _cos(x: np.ndarray, y: np.ndarray) -> float:
    return float(np.dot(x, y) / (np.sqrt(np.dot(x, x)) * np.sqrt(np.dot(y, y))))


def reference_procrustes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Unit rows, zero-padded, Q from the SVD of AᵀB, then 1 - cos(A_i Q, B_i) one word at a time."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    d = max(a.shape[1], b.shape[1])
    a = np.hstack([a, np.zeros((len(a), d - a.shape[1]))])
    b = np.hstack([b, np.zeros((len(b), d - b.shape[1]))])
    u, _, vt = np.linalg.svd(a.T @ b)
    q = u @ vt
    return np.array([1 - _cos(a[i] @ q, b[i]) for i in range(len(a))])


def reference_local(a: np.ndarray, b: np.ndarray, index_a: np.ndarray, index_b: np.ndarray) -> np.ndarray:
    """U = the union of the two neighbour sets as a Python set; cosines one pair at a time."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    out = []
    for i in range(len(a)):
        union = sorted(set(index_a[i].tolist()) | set(index_b[i].tolist()))
        sa = np.array([_cos(a[i], a[j]) for j in union])
        sb = np.array([_cos(b[i], b[j]) for j in union])
        out.append(1 - _cos(sa, sb))
    return np.array(out)


@pytest.mark.parametrize("n,da,db", [(150, 12, 12), (150, 9, 14), (150, 14, 6), (20, 60, 45), (20, 7, 90)])
def test_procrustes_shift_equals_the_reference(n, da, db):
    """Also wider than the word count: then the fit runs in the rows' span (N x N), the reference in d x d."""
    rng = np.random.default_rng(da * db)
    a = rng.standard_normal((n, da)).astype(np.float32)
    b = a[:, : min(da, db)] @ _rotation(min(da, db), 3)[:, : min(da, db)] if n < max(da, db) else None
    b = rng.standard_normal((n, db)) if b is None else np.hstack([b, 0.3 * rng.standard_normal((n, db - b.shape[1]))])
    np.testing.assert_allclose(procrustes_shift(a, b), reference_procrustes(a, b), rtol=0, atol=1e-12)


def test_a_wide_map_is_the_same_picture_up_to_the_axes_signs():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((30, 200)) * np.linspace(3, 0.1, 200)  # two strong directions lead
    wide = pca_2d(a)
    unit = a / np.linalg.norm(a, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    want = centred @ vt[:2].T
    np.testing.assert_allclose(np.abs(wide), np.abs(want), atol=1e-5)


@pytest.mark.parametrize("da,db,k", [(12, 12, 5), (8, 20, 3), (20, 5, 9)])
def test_local_shift_equals_the_reference(da, db, k):
    rng = np.random.default_rng(da + db + k)
    a, b = rng.standard_normal((120, da)).astype(np.float32), rng.standard_normal((120, db)).astype(np.float32)
    ia, ib = exact_knn(a, k).index, exact_knn(b, k).index
    want = reference_local(a, b, ia, ib)
    np.testing.assert_allclose(local_shift(a, b, ia, ib), want, rtol=0, atol=1e-12)
    # With the k-NN run's own cosines (as a neighbourhood run passes them): the same numbers.
    got = word_shifts(a, b, ia, ib, cosine_a=exact_knn(a, k).cosine, cosine_b=exact_knn(b, k).cosine).local
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12)


def test_same_neighbours_and_a_rotation_give_zero_shift():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((80, 7))
    b = a @ _rotation(7, 4) * 2.5
    ia = exact_knn(a, 4).index
    assert np.abs(procrustes_shift(a, b)).max() < 1e-12
    assert np.abs(local_shift(a, b, ia, ia)).max() < 1e-12


def test_planted_moves_rank_first_by_both_shifts():
    rng = np.random.default_rng(11)
    n, d, k = 500, 24, 10
    a = rng.standard_normal((n, d))
    b = a @ _rotation(d, 12)
    moved = [3, 40, 222, 371, 499]
    b[moved] = rng.standard_normal((len(moved), d))
    r = compare_neighbourhoods(SharedVocabulary(tuple(f"w{i}" for i in range(n)), a, b), k)
    for shift in (r.shifts.procrustes, r.shifts.local):
        assert sorted(np.argsort(-shift, kind="stable")[: len(moved)].tolist()) == moved
    # The moved words tilt the least-squares Q a little: the others' shift is small, not zero.
    assert np.delete(r.shifts.procrustes, moved).max() < 0.01 < 0.5 < r.shifts.procrustes[moved].min()


def test_shuffled_null_means_are_the_shifts_of_the_shuffled_rows():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((200, 10))
    b = a @ _rotation(10, 6) + 0.2 * rng.standard_normal((200, 10))
    r = compare_neighbourhoods(SharedVocabulary(tuple(f"w{i}" for i in range(200)), a, b), 6, null=True)
    p = null_permutation(200)
    knn_b = exact_knn(b, 6)
    s = r.summary()
    assert s["shuffled_procrustes_shift"] == pytest.approx(reference_procrustes(a, b[p]).mean(), abs=1e-12)
    want_local = reference_local(a, b[p], exact_knn(a, 6).index, shuffled_knn(b, knn_b))
    assert s["shuffled_local_shift"] == pytest.approx(want_local.mean(), abs=1e-12)
    assert s["mean_procrustes_shift"] < s["shuffled_procrustes_shift"]
    assert s["mean_local_shift"] < s["shuffled_local_shift"]


def test_maps_pca_and_2d_alignment():
    rng = np.random.default_rng(7)
    a = rng.standard_normal((300, 6)) * [5, 3, 1, 1, 1, 1]
    xy_a, xy_b = vocabulary_maps(a, a @ _rotation(6, 8))
    np.testing.assert_allclose(xy_b, xy_a, atol=1e-4)  # a rotated space draws the same map
    unit = a / np.linalg.norm(a, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    want = np.abs(np.linalg.svd(centred, full_matrices=False)[0][:, :2] * np.linalg.svd(centred)[1][:2])
    np.testing.assert_allclose(np.abs(pca_2d(a)), want, atol=1e-4)
    turn = np.array([[0.0, 1.0], [-1.0, 0.0]])
    np.testing.assert_allclose(align_2d(xy_a @ turn, xy_a), xy_a, atol=1e-9)
    with pytest.raises(InputError, match="same words"):
        vocabulary_maps(a, a[:10])


def test_bad_shapes_raise_input_error():
    a = np.ones((5, 3)) + np.eye(5, 3)
    with pytest.raises(InputError, match="same number of rows"):
        procrustes_shift(a, a[:4])
    with pytest.raises(InputError, match="differ in shape"):
        local_shift(a, a, np.zeros((5, 2), dtype=int), np.zeros((5, 3), dtype=int))


def _pair(tmp_path, va, vb):
    words = [f"w{i}" for i in range(len(va))]
    pa = write_word2vec(tmp_path / "a.bin", words, va)
    pb = write_word2vec(tmp_path / "b.bin", words, vb)
    return f"word2vec:{pa}", f"word2vec:{pb}"


def test_json_out_table_and_cache_carry_the_shifts(tmp_path, capsys):
    rng = np.random.default_rng(9)
    va = rng.standard_normal((60, 8))
    a, b = _pair(tmp_path, va, va @ _rotation(8, 1) + 0.3 * rng.standard_normal((60, 8)))
    out_file = tmp_path / "t.csv"
    assert main(["neighbours", "--a", a, "--b", b, "--top", "50", "--k", "4", "--null", "--out", str(out_file)]) == 0
    out = json.loads(capsys.readouterr().out)
    run = cached_neighbours(a, b, top=50, k=4, null=True)
    assert run is not None and run.shifts is not None  # the cache keeps them
    fresh = neighbours_for(a, b, top=50, k=4, null=True, use_cache=False)
    np.testing.assert_array_equal(run.shifts.procrustes, fresh.shifts.procrustes)
    np.testing.assert_array_equal(run.shifts.xy, fresh.shifts.xy)
    assert run.summary() == fresh.summary() == {k: v for k, v in out["summary"].items() if k in fresh.summary()}
    assert {"mean_procrustes_shift", "mean_local_shift", "shuffled_procrustes_shift", "shuffled_local_shift"} <= set(
        out["summary"]
    )
    first = out["per_word"][0]
    assert first["procrustes_shift"] == fresh.shifts.procrustes[0] and first["local_shift"] == fresh.shifts.local[0]
    table = pd.read_csv(out_file)
    assert list(table.columns) == [
        "word",
        "jaccard",
        "procrustes_shift",
        "local_shift",
        "neighbours_a",
        "neighbours_b",
        "x_a",
        "y_a",
        "x_b",
        "y_b",
    ]
    np.testing.assert_allclose(table[["x_a", "y_a", "x_b", "y_b"]].to_numpy(), fresh.shifts.xy)
    np.testing.assert_allclose(table["local_shift"], fresh.shifts.local)


def test_no_shifts_leaves_them_out_under_its_own_cache_key(tmp_path, capsys):
    rng = np.random.default_rng(10)
    va = rng.standard_normal((40, 6))
    a, b = _pair(tmp_path, va, va + 0.2 * rng.standard_normal((40, 6)))
    args = ["neighbours", "--a", a, "--b", b, "--top", "30", "--k", "3", "--permutations", "0"]
    assert main([*args, "--no-shifts"]) == 0
    alone = json.loads(capsys.readouterr().out)
    assert "mean_procrustes_shift" not in alone["summary"] and "procrustes_shift" not in alone["per_word"][0]
    assert cached_neighbours(a, b, top=30, k=3) is None  # not taken for the run with shifts
    assert main(args) == 0
    full = json.loads(capsys.readouterr().out)
    assert "mean_procrustes_shift" in full["summary"] and cached_neighbours(a, b, top=30, k=3).shifts is not None
    assert full["summary"]["mean_jaccard"] == alone["summary"]["mean_jaccard"]


def test_map_points_and_deck_json():
    from lib.shifts.deck import (
        MAX_POINTS,
        all_words_layer,
        deck_json,
        map_points,
        view_on,
        words_json,
        words_layer_json,
    )

    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(50)]
    xy = rng.standard_normal((50, 4))
    points = map_points(words, xy, np.linspace(0, 1, 50), moved_high=True)
    assert np.ptp(points[["x_a", "y_a"]].to_numpy(), axis=0).max() == pytest.approx(1000)
    assert tuple(points.loc[49, ["r", "g", "b"]]) == (253, 231, 37)  # highest shift: yellow (moved)
    both = all_words_layer("/media/x.json") + "," + words_layer_json(points, "b", [3, 9, 7])
    spec = json.loads(deck_json(both, points, "b", [3, 7], view_on(points, "b", "w7", 400)))
    layers = {layer["id"]: layer for layer in spec["layers"]}
    assert [x["id"] for x in spec["layers"]] == ["all", "words", "picked", "labels"]
    assert layers["all"]["data"] == "/media/x.json" and not layers["all"]["pickable"]
    assert [d["w"] for d in layers["words"]["data"]] == ["w3", "w9", "w7"] and layers["words"]["pickable"]
    rows = json.loads(words_json(points, "b"))
    assert [d["w"] for d in rows] == words
    assert rows[7]["p"] == pytest.approx(points.loc[7, ["x_b", "y_b"]].tolist(), abs=0.05)
    assert rows[49]["c"] == [253, 231, 37]
    assert [d["w"] for d in layers["picked"]["data"]] == ["w3", "w7"]
    assert spec["initialViewState"]["target"][:2] == pytest.approx(points.loc[7, ["x_b", "y_b"]].tolist(), abs=0.1)
    assert MAX_POINTS == 50_000


def test_clickable_rows_are_the_found_words_neighbours_then_the_most_frequent(monkeypatch):
    import lib.shifts.deck as deck

    monkeypatch.setattr(deck, "MAX_CLICKABLE", 10)
    monkeypatch.setattr(deck, "_NEAR", 4)
    words = [f"w{i}" for i in range(30)]
    xy = np.zeros((30, 4))
    xy[:, 0] = np.arange(30)  # on map A, word i sits at x = i
    xy[:, 2] = -(np.arange(30) ** 2)  # on map B, at x = -i**2
    points = deck.map_points(words, xy, np.zeros(30), moved_high=True)
    assert deck.clickable_rows(points, "a", None).tolist() == list(range(10))
    assert deck.clickable_rows(points, "a", "nothere").tolist() == list(range(10))
    # The 4 nearest w20 on A (itself, w19, w21 and one of w18/w22), then the 6 most frequent, w20 last (on top).
    rows = deck.clickable_rows(points, "a", "w20").tolist()
    assert rows[-1] == 20 and len(rows) == 10 == len(set(rows))
    assert set(rows[:6]) == set(range(6)) and {19, 21} < set(rows) and len({18, 22} & set(rows)) == 1
    # On B the nearest differ: w20's neighbours there are w19 and w21 too, but w18 is nearer than w22.
    rows_b = deck.clickable_rows(points, "b", "w20").tolist()
    assert set(rows_b) == set(range(6)) | {18, 19, 20, 21}


def test_neighbours_page_shows_shifts_maps_and_the_budget_before_compute():
    from tests.apptest_support import app_test, server_like_navigation
    from ui.neighbours import moved

    with server_like_navigation():
        # Not the N and k of test_neighbours.py's page test: finished runs stay in the app's memory.
        at = app_test({"a": "glove", "b": "minilm", "top": "300", "nk": "4"}, timeout=240)
        at.run()
        at.switch_page("app_pages/neighbours.py").run()
        assert not at.exception, [e.value for e in at.exception]
        assert any("fit this server's budget" in c.value for c in at.caption)  # before Compute
        cap = at.number_input(key="nb_top").max
        assert 300 < cap < 200_000
        at.button(key="nb_compute").click().run()
        assert not at.exception, [e.value for e in at.exception]
        want = neighbours_for("glove", "minilm", top=300, k=4, null=True)
        shown = {m.label: m.value for m in at.metric}
        assert shown["mean local shift"] == f"{want.summary()['mean_local_shift']:.3f}"
        assert any(c.value.startswith("To find 300 shared words") for c in at.caption)
        maps = at.get("deck_gl_json_chart")
        assert len(maps) == 2
        layers = {x["id"]: x for x in json.loads(maps[1].proto.json)["layers"]}
        assert [d["w"] for d in layers["words0"]["data"]] == list(want.words)  # all 300 answer clicks
        assert "/media/" in layers["all"]["data"] and layers["all"]["data"].endswith(".json")  # all words, by URL
        at.segmented_control(key="nb_sort").set_value("local shift").run()
        top_moved = moved(want, most=True, by="local shift")
        assert top_moved["word"].tolist()[:3] == [want.words[i] for i in np.argsort(-want.shifts.local)[:3]]
        assert any(df.value["word"].tolist() == top_moved["word"].tolist() for df in at.dataframe)
