"""Many sources: every cell of every matrix against float64 references (scipy, loops), the command, the page.

The sources are word2vec files the tests write (so the vectors are known)
and GloVe, whose vectors the tests read straight from the wheel's files.
"""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from lib.analysis.compare import compare_graphs, mantel_matrix, mantel_test
from lib.analysis.matrix import (
    ALL_MATRICES,
    MEASURES,
    align_sources,
    compare_sources,
    knn_within,
    matrices_csv,
    pair_measures,
)
from lib.analysis.matrix_charts import heatmap_frame, mds_coordinates, ring_grid_spec
from lib.analysis.neighbours import compare_neighbourhoods
from lib.analysis.neighbours_vocab import SharedVocabulary
from lib.engine import ring_graph
from lib.errors import InputError
from lib.sources import load_source
from tests.exact_reference import integer_vectors, rational_knn
from tests.source_fixtures import write_word2vec

ROOT = Path(__file__).resolve().parents[1]
WORDS = [f"w{i}" for i in range(24)]
P = 199


# -- float64 references, written without lib -------------------------------------


def ref_cosine(x: np.ndarray) -> np.ndarray:
    u = np.asarray(x, dtype=np.float64)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    s = np.clip(u @ u.T, -1, 1)
    np.fill_diagonal(s, 1.0)
    return s


def ref_upper(s: np.ndarray) -> np.ndarray:
    return s[np.triu_indices(len(s), 1)]


def ref_edges(s: np.ndarray, k: float = 1.0) -> set[tuple[int, int]]:
    u = ref_upper(s)
    t = np.median(u) + k * np.std(u)
    return {(i, j) for i, j in itertools.combinations(range(len(s)), 2) if s[i, j] >= t}


def ref_degree(edges: set, n: int) -> np.ndarray:
    d = np.zeros(n)
    for i, j in edges:
        d[i] += 1
        d[j] += 1
    return d


def ref_knn_jaccard(sa: np.ndarray, sb: np.ndarray, k: int) -> float:
    n = len(sa)

    def knn(s, i):
        return set(sorted((j for j in range(n) if j != i), key=lambda j: (-s[i, j], j))[:k])

    return float(np.mean([len(knn(sa, i) & knn(sb, i)) / len(knn(sa, i) | knn(sb, i)) for i in range(n)]))


def reference_matrices(vectors: list[np.ndarray], k_nn: int = 5) -> dict[str, np.ndarray]:
    """Every matrix except p and ARI, from the vectors alone."""
    sims = [ref_cosine(v) for v in vectors]
    n = len(sims[0])
    edges = [ref_edges(s) for s in sims]
    out = {
        name: np.eye(len(sims))
        for name in ("rsa_spearman", "rsa_pearson", "edge_jaccard", "degree_spearman", "neighbour_jaccard")
    }
    for i, j in itertools.combinations(range(len(sims)), 2):
        ua, ub = ref_upper(sims[i]), ref_upper(sims[j])
        cells = {
            "rsa_spearman": stats.spearmanr(ua, ub)[0],
            "rsa_pearson": stats.pearsonr(ua, ub)[0],
            "edge_jaccard": len(edges[i] & edges[j]) / len(edges[i] | edges[j]),
            "degree_spearman": stats.spearmanr(ref_degree(edges[i], n), ref_degree(edges[j], n))[0],
            "neighbour_jaccard": ref_knn_jaccard(sims[i], sims[j], k_nn),
        }
        for name, v in cells.items():
            out[name][i, j] = out[name][j, i] = v
    return out


# -- sources the tests know ---------------------------------------------------------


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Three word2vec files: A, B = A + noise (lacks w23), C independent (lacks w22)."""
    folder = tmp_path_factory.mktemp("w2v")
    rng = np.random.default_rng(7)
    a = rng.standard_normal((24, 16)).astype(np.float32)
    b = (a + 0.6 * rng.standard_normal((24, 16))).astype(np.float32)
    c = rng.standard_normal((24, 16)).astype(np.float32)
    specs = []
    for name, x, keep in (("a", a, range(24)), ("b", b, range(23)), ("c", c, [*range(22), 23])):
        path = write_word2vec(folder / f"{name}.bin", [WORDS[i] for i in keep], x[list(keep)])
        specs.append(f"word2vec:{path}")
    common = list(range(22))
    return specs, [a[common], b[common], c[common]]


def test_every_cell_of_every_matrix_equals_the_reference(files):
    specs, vectors = files
    m = compare_sources([load_source(s) for s in specs], WORDS, permutations=P)
    assert m.words == tuple(WORDS[:22]) and m.sources == tuple(specs)
    ref = reference_matrices(vectors)
    for name, expected in ref.items():
        np.testing.assert_allclose(m.matrices[name], expected, atol=1e-12, err_msg=name)
    for i, j in itertools.combinations(range(3), 2):
        c = compare_graphs(m.results[i].graph, m.results[j].graph, permutations=P)
        assert m.matrices["rsa_p"][i, j] == c.rsa.p_value  # the same test and seed as compare
        assert m.matrices["community_ari"][i, j] == pytest.approx(c.ari, abs=1e-12)
        assert m.matrices["rsa_spearman"][i, j] == pytest.approx(c.rsa.spearman, abs=1e-12)
    assert m.matrices["rsa_spearman"][0, 1] > 0.5 and m.matrices["rsa_p"][0, 1] == pytest.approx(1 / (P + 1))


def test_matrices_are_symmetric_with_unit_diagonals(files):
    specs, _ = files
    m = compare_sources([load_source(s) for s in specs], WORDS, permutations=P, nk=3)
    for name in MEASURES:
        x = m.matrices[name]
        assert x.shape == (3, 3) and np.array_equal(x, x.T, equal_nan=True), name
        assert np.all(np.isnan(np.diag(x))) if name == "rsa_p" else np.all(np.diag(x) == 1.0), name
        assert not x.flags.writeable


def test_mantel_p_of_the_matrix_is_a_direct_permutation_count(files):
    _, vectors = files
    sims = [ref_cosine(v) for v in vectors]
    _, p = mantel_matrix(sims, permutations=150, seed=3)
    n = len(sims[0])
    perms = np.random.default_rng(3).permuted(np.tile(np.arange(n), (150, 1)), axis=1)
    for i, j in itertools.combinations(range(3), 2):
        observed = stats.spearmanr(ref_upper(sims[i]), ref_upper(sims[j]))[0]
        null = [stats.spearmanr(ref_upper(sims[i]), ref_upper(sims[j][np.ix_(q, q)]))[0] for q in perms]
        expected = (1 + sum(v >= observed - 1e-12 for v in null)) / 151
        assert p[i, j] == p[j, i] == pytest.approx(expected, abs=1e-12)
        assert p[i, j] == mantel_test(sims[i], sims[j], permutations=150, seed=3)[1]


def test_missing_words_name_the_source_that_lacks_them(files):
    specs, _ = files
    results, common, dropped = align_sources([load_source(s) for s in specs], [*WORDS, "", "zz"])
    assert "w22" not in common and "w23" not in common and len(common) == 22
    lacks = {(d.word, d.source) for d in dropped}
    assert {("w23", specs[1]), ("w22", specs[2]), ("zz", specs[0]), ("zz", specs[1]), ("zz", specs[2])} <= lacks
    assert ("w22", specs[0]) not in lacks and ("w23", specs[2]) not in lacks
    reasons = {m.word: m.reason for m in results[0].missing}  # A had both; it names who lacks each
    assert reasons["w23"] == f"not in {specs[1]}" and reasons["w22"] == f"not in {specs[2]}"
    assert all(r.graph.words == common for r in results)


def test_glove_against_its_files_a_rotation_and_noise(tmp_path):
    from lib.sources._glove import glove_files

    npy, parquet = glove_files()
    index = pd.read_parquet(parquet).iloc[:, 0].tolist()
    words = ["king", "queen", "man", "woman", "apple", "pear", "car", "bus", "train", "dog", "cat", "horse"]
    rows = np.load(npy, mmap_mode="r")[[index.index(w) for w in words]].astype(np.float64)
    rng = np.random.default_rng(1)
    rotation = np.linalg.qr(rng.standard_normal((50, 50)))[0]
    noise = rng.standard_normal((len(words), 50))
    rotated = write_word2vec(tmp_path / "rot.bin", words, rows @ rotation)
    noisy = write_word2vec(tmp_path / "noise.bin", words, noise)
    specs = ["glove", f"word2vec:{rotated}", f"word2vec:{noisy}"]
    m = compare_sources([load_source(s) for s in specs], words, permutations=P)
    vectors = [rows, (rows @ rotation).astype(np.float32), noise.astype(np.float32)]
    ref = reference_matrices(vectors)
    for name, expected in ref.items():
        np.testing.assert_allclose(m.matrices[name], expected, atol=1e-9, err_msg=name)
    assert m.matrices["rsa_pearson"][0, 1] > 0.999999  # cosines do not change under a rotation


def test_a_source_twice_agrees_perfectly_at_the_smallest_p():
    m = compare_sources([load_source("glove"), load_source("glove")], list(WORDS_REAL), permutations=P)
    for name in MEASURES:
        if name != "rsa_p":
            assert m.matrices[name][0, 1] == pytest.approx(1.0, abs=1e-12), name
    assert m.matrices["rsa_p"][0, 1] == 1 / (P + 1)


WORDS_REAL = ("space", "planet", "moon", "star", "chair", "table", "couch", "apple", "pear", "peach", "dog", "cat")


def test_random_sources_do_not_agree():
    words = [f"word{i}" for i in range(60)]
    specs = [f"random:dim=300,seed={s}" for s in (1, 2, 3)]
    m = compare_sources([load_source(s) for s in specs], words, permutations=P)
    off = ~np.eye(3, dtype=bool)
    assert np.all(np.abs(m.matrices["rsa_spearman"][off]) < 0.1)
    assert np.all(m.matrices["rsa_p"][off] > 0.01)


def test_knn_ties_go_to_the_earlier_word():
    x = np.array([[1.0, 6, 6], [0, 3, 3], [0, 1, 1], [0, 7, 7], [2, 0, 1]])  # rows 1-3 collinear: tied for row 0
    assert knn_within(x, 1)[0].tolist() == [1]
    assert knn_within(x[[0, 2, 1, 3, 4]], 1)[0].tolist() == [1]  # the earlier word, whichever vector it has
    assert knn_within(x, 10).shape == (5, 4)
    v = integer_vectors(90, 3, seed=4)
    np.testing.assert_array_equal(knn_within(v, 4), rational_knn(v, 4))


def test_matrix_knn_jaccard_equals_neighbours_mean_jaccard():
    """One k-NN: the matrix's neighbour_jaccard is the neighbours command's mean_jaccard, ties and all."""
    va, vb = integer_vectors(120, 3, seed=1), integer_vectors(120, 3, seed=2)
    words = [f"w{i}" for i in range(120)]
    m = pair_measures([ring_graph(words, va), ring_graph(words, vb)], permutations=99, nk=5)
    summary = compare_neighbourhoods(SharedVocabulary(tuple(words), va, vb), 5).summary()
    assert m["neighbour_jaccard"][0, 1] == summary["mean_jaccard"]
    ka, kb = rational_knn(va, 5), rational_knn(vb, 5)
    shared = np.array([len(set(a) & set(b)) for a, b in zip(ka, kb, strict=True)])
    assert summary["mean_jaccard"] == pytest.approx(np.mean(shared / (10 - shared)), abs=1e-15)


def test_csv_long_table_rebuilds_the_matrices(files):
    specs, _ = files
    m = compare_sources([load_source(s) for s in specs[:2]], WORDS, permutations=P)
    table = pd.read_csv(io.BytesIO(matrices_csv(m.sources, m.matrices)))
    assert list(table.columns) == ["source_a", "source_b", "measure", "value"] and len(table) == 4 * len(ALL_MATRICES)
    for name in ALL_MATRICES:
        got = table[table["measure"] == name]["value"].to_numpy().reshape(2, 2)
        np.testing.assert_allclose(got, m.matrices[name], rtol=1e-7, equal_nan=True)


def test_bad_input_raises_one_line_errors(files):
    specs, _ = files
    one = load_source(specs[0])
    with pytest.raises(InputError, match="at least 2 sources"):
        align_sources([one], WORDS)
    with pytest.raises(InputError, match="only 2 word"):
        align_sources([one, load_source(specs[1])], ["w0", "w1", "w23"])
    g = ring_graph(["a", "b", "c"], np.eye(3))
    with pytest.raises(InputError, match="same words"):
        pair_measures([g, ring_graph(["a", "b", "d"], np.eye(3))])
    with pytest.raises(InputError, match="at least 1"):
        pair_measures([g, g], nk=0)
    with pytest.raises(InputError, match="permutations"):
        pair_measures([g, g], permutations=0)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", "matrix", *args], capture_output=True, text=True, cwd=ROOT)


def test_cli_json_has_the_issue_keys_and_the_library_numbers(files):
    specs, _ = files
    args = [a for s in specs for a in ("--source", s)]
    out = cli(*args, "--words", ",".join([*WORDS, "zz"]), "--permutations", str(P), "--nk", "4")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert {"sources", "words", "missing", *ALL_MATRICES} <= set(d) and d["sources"] == specs and d["nk"] == 4
    assert {"word": "zz", "source": specs[0], "reason": "not in vocabulary"} in d["missing"]
    m = compare_sources([load_source(s) for s in specs], WORDS, permutations=P, nk=4)
    for name in ALL_MATRICES:
        np.testing.assert_allclose(np.array(d[name], dtype=float), m.matrices[name], atol=1e-6, equal_nan=True)
    assert d["rsa_p"][0][0] is None


@pytest.mark.parametrize(
    "args, message",
    [
        (["--source", "glove", "--preset", "course"], "at least 2 sources"),
        (["--source", "glove", "--source", "nonsense:x", "--preset", "course"], "unknown"),
        (["--source", "glove", "--source", "glove", "--words", "cat,dog"], "need at least 3"),
        (["--source", "glove", "--source", "glove", "--preset", "course", "--nk", "0"], "--nk"),
        (["--source", "glove", "--source", "glove", "--preset", "course", "--permutations", "0"], "permutations"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(args, message):
    out = cli(*args)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("error: ") and message in out.stderr and out.stderr.count("\n") == 1


def test_cli_csv(files):
    specs, _ = files
    out = cli(
        "--source", specs[0], "--source", specs[2], "--words", ",".join(WORDS), "--permutations", "9", "--format", "csv"
    )
    table = pd.read_csv(io.StringIO(out.stdout))
    assert out.returncode == 0 and set(table["measure"]) == set(ALL_MATRICES) and len(table) == 4 * len(ALL_MATRICES)


# -- charts ----------------------------------------------------------------------------


def test_heatmap_cells_mds_and_export_grid():
    x = np.array([[1.0, 0.25], [0.25, 1.0]])
    frame = heatmap_frame(["a", "a"], x, np.array([[np.nan, 0.01], [0.01, np.nan]]))
    assert frame["source_b"].tolist() == ["a", "a (2)", "a", "a (2)"] and frame["text"].tolist()[1] == "0.25"
    d = np.array([[0, 3, 4], [3, 0, 5], [4, 5, 0]], float)
    xy = mds_coordinates(d)
    got = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    np.testing.assert_allclose(got, d, atol=1e-9)  # three points embed exactly in the plane
    g = ring_graph(list("abcde"), np.random.default_rng(0).standard_normal((5, 4)))
    spec = ring_grid_spec([g, g, g], ["one", "two", "three"], columns=2, color_domain=(0.0, 1.0))
    assert [len(r["hconcat"]) for r in spec["vconcat"]] == [2, 1]
    assert spec["vconcat"][1]["hconcat"][0]["title"]["text"] == "three"


# -- the page ------------------------------------------------------------------------


def _datasets(at):
    for chart in at.get("vega_lite_chart"):
        for dataset in chart.proto.datasets:
            yield pa.ipc.open_stream(io.BytesIO(dataset.data.data)).read_all().to_pandas()


def test_page_with_three_sources_from_the_url():
    from lib.presets import preset
    from tests.apptest_support import app_test

    sources = ["glove", "random:dim=50", "shuffled:glove"]
    at = app_test({"sources": ";".join(sources), "preset": "course"}, timeout=300)
    at.run()
    at.switch_page("app_pages/many_sources.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error and at.multiselect[0].value == sources
    assert at.query_params["sources"] == ";".join(sources)
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    titles = [s["title"]["text"] for s in specs if isinstance(s.get("title"), dict)]
    m = compare_sources([load_source(s) for s in sources], preset("course").words, labels=sources)
    assert titles[:3] == [f"{s} — {r.graph.n_edges:,} edges" for s, r in zip(sources, m.results, strict=True)]
    rsa = next(f for f in _datasets(at) if {"source_a", "source_b", "value", "p"} <= set(f.columns))
    np.testing.assert_allclose(rsa["value"].to_numpy().reshape(3, 3), m.matrices["rsa_spearman"], atol=1e-12)
    np.testing.assert_allclose(rsa["p"].to_numpy().reshape(3, 3), m.matrices["rsa_p"], equal_nan=True)
    table = at.dataframe[0].value
    assert len(table) == 3 and table["edge_jaccard"].tolist() == [
        m.matrices["edge_jaccard"][i, j] for i, j in ((0, 1), (0, 2), (1, 2))
    ]


def test_page_names_the_words_a_source_lacks_and_holds_back_statistics_on_too_few():
    from lib.analysis.matrix import MIN_COMMON_WORDS
    from tests.apptest_support import app_test

    # Random vectors have every word; glove and its shuffle lack the two made-up ones.
    words = "cat,dog,horse,car,bus,zqxvw,qzzvw"
    at = app_test({"sources": "glove;random:dim=50;shuffled:glove", "words": words}, timeout=300)
    at.run()
    at.switch_page("app_pages/many_sources.py").run()
    assert not at.exception, [e.value for e in at.exception]
    from ui.text import shown

    note = shown(next(c.value for c in at.caption if c.value.startswith("Words each source lacks")))
    assert "**glove**: 2 — zqxvw, qzzvw" in note and "**random:dim=50**: none" in note
    assert 5 < MIN_COMMON_WORDS
    assert any("held back" in w.value for w in at.warning)
    pair_tables = [d for d in at.dataframe if "source_a" in d.value.columns]  # (a cached card's benchmarks may show)
    assert not pair_tables and "How alike" not in " ".join(h.value for h in at.subheader)


def test_page_opens_on_two_trained_spaces_and_two_baselines():
    from tests.apptest_support import app_test

    at = app_test({}, timeout=300)
    at.run()
    at.switch_page("app_pages/many_sources.py").run()
    assert not at.exception
    assert at.multiselect[0].value == ["glove", "minilm", "random:dim=50", "shuffled:glove"]
    assert len(at.dataframe[0].value) == 6  # every pair of the four


def test_page_notes_a_bad_source_in_the_url():
    from tests.apptest_support import app_test

    at = app_test({"sources": "glove;nonsense:x;random:dim=50;shuffled:glove"}, timeout=300)
    at.run()
    at.switch_page("app_pages/many_sources.py").run()
    assert not at.exception
    assert any("nonsense" in w.value for w in at.warning)
    assert at.multiselect[0].value == ["glove", "random:dim=50", "shuffled:glove"]


# -- a real browser --------------------------------------------------------------------


@pytest.mark.parametrize(
    "sources",
    [
        ["glove", "random:dim=50", "shuffled:glove"],
        ["glove", "random:dim=50", "shuffled:glove", "random:dim=300,seed=2"],
    ],
)
def test_grid_in_chromium_is_drawn_inside_its_columns(sources):
    from playwright.sync_api import sync_playwright

    from tests.browser.server import CHART, EXCEPTION, RING, app_server, launch_chromium

    query = urlencode({"sources": ";".join(sources), "preset": "course"})
    out = ROOT / "test-results"
    out.mkdir(exist_ok=True)
    with app_server() as base, sync_playwright() as pw:
        browser = launch_chromium(pw)
        for width, height in ((1280, 800), (1500, 1000)):
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{base}/many-sources?{query}", wait_until="domcontentloaded")
            page.wait_for_function(
                "([s, n]) => document.querySelectorAll(s).length >= n", arg=[CHART, len(sources) + 4], timeout=180_000
            )
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000)
            page.screenshot(path=str(out / f"many_sources_{len(sources)}_{width}.png"))
            assert page.locator(EXCEPTION).count() == 0
            boxes = [page.locator(RING).nth(i).bounding_box() for i in range(len(sources))]
            assert all(b["width"] > 200 and b["height"] > 200 for b in boxes)  # drawn, not squashed
            assert all(b["x"] + b["width"] <= width for b in boxes)  # nothing cut off at the right
            for a, b in itertools.combinations(boxes, 2):  # no ring covers another
                apart = (
                    a["x"] + a["width"] <= b["x"] + 1
                    or b["x"] + b["width"] <= a["x"] + 1
                    or a["y"] + a["height"] <= b["y"] + 1
                    or b["y"] + b["height"] <= a["y"] + 1
                )
                assert apart, (a, b)
            page.close()
        browser.close()


def test_sources_parameter_keeps_shuffle_seeds_and_refuses_bad_specs():
    from ui.many import default_sources, parse_sources

    specs, notes = parse_sources(["glove;shuffled:glove,seed=1", "random:dim=50,seed=2;glove;nonsense:x"])
    assert specs == ["glove", "shuffled:glove,seed=1", "random:dim=50,seed=2"]
    assert len(notes) == 1 and "nonsense" in notes[0]
    assert parse_sources([";".join(f"random:dim=5,seed={i}" for i in range(10))])[0][-1] == "random:dim=5,seed=7"
    assert default_sources("glove", "random:dim=50") == ["glove", "random:dim=50", "shuffled:glove"]


def test_grid_figure_renders_as_svg_and_png():
    from lib.analysis.matrix_charts import figure_bytes

    g = ring_graph(list("abcdef"), np.random.default_rng(1).standard_normal((6, 4)))
    spec = ring_grid_spec([g, g, g], ["one", "two", "three"], columns=3, color_domain=(0.0, 1.0))
    svg = figure_bytes(spec, "svg").decode()
    assert svg.startswith("<svg") and svg.count("one") >= 1 and "three" in svg
    assert figure_bytes(spec, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(InputError, match="svg or png"):
        figure_bytes(spec, "gif")
