"""The calibrated measures (lib/measures) against independent float64 implementations of their definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import linalg, stats

from lib.analysis.compare import mantel_test
from lib.errors import InputError
from lib.measures import NAMES, calibrate, parse_measures
from lib.measures import definitions as D
from lib.measures.draws import bootstrap_batches, counts, permutation_batches
from lib.measures.pairs import Knn, Rsa
from lib.measures.products import Products


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.sqrt(np.sum(v * v, axis=1, keepdims=True))


def _pair(n=25, da=12, db=9, noise=0.7, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, da))
    y = x[:, :db] @ rng.standard_normal((db, db)) + noise * rng.standard_normal((n, db))
    return _unit(x), _unit(y)


# Independent implementations, written from the definitions (Gram matrices, loops, scipy).


def ref_cka(x, y):
    n = len(x)
    h = np.eye(n) - np.ones((n, n)) / n
    k, ll = h @ x @ x.T @ h, h @ y @ y.T @ h
    return np.trace(k @ ll) / np.sqrt(np.trace(k @ k) * np.trace(ll @ ll))


def ref_hsic_u(k, ll):
    """Song et al.'s estimator as the U-statistic it is: means over tuples of distinct indices."""
    n = len(k)
    kl2 = np.mean([k[i, j] * ll[i, j] for i, j in itertools.permutations(range(n), 2)])
    kl4 = np.mean([k[i, j] * ll[q, r] for i, j, q, r in itertools.permutations(range(n), 4)])
    kl3 = np.mean([k[i, j] * ll[i, q] for i, j, q in itertools.permutations(range(n), 3)])
    return kl2 + kl4 - 2 * kl3


def ref_cka_debiased(x, y):
    xc, yc = x - x.mean(0), y - y.mean(0)
    k, ll = xc @ xc.T, yc @ yc.T
    return ref_hsic_u(k, ll) / np.sqrt(ref_hsic_u(k, k) * ref_hsic_u(ll, ll))


def ref_procrustes(x, y):
    d = max(x.shape[1], y.shape[1])
    xp, yp = np.zeros((len(x), d)), np.zeros((len(y), d))
    xp[:, : x.shape[1]], yp[:, : y.shape[1]] = x - x.mean(0), y - y.mean(0)
    xp, yp = xp / np.linalg.norm(xp), yp / np.linalg.norm(yp)
    r, _ = linalg.orthogonal_procrustes(xp, yp)  # the rotation taking X closest to Y
    return np.arccos(min(1.0, np.sum((xp @ r) * yp)))


def ref_mutual_knn(x, y, k):
    def knn(v):
        s = v @ v.T
        np.fill_diagonal(s, -np.inf)
        return [set(np.argsort(-row, kind="stable")[:k]) for row in s]

    return np.mean([len(a & b) / k for a, b in zip(knn(x), knn(y))])


def ref_rsa(x, y):
    iu = np.triu_indices(len(x), k=1)
    return stats.spearmanr((x @ x.T)[iu], (y @ y.T)[iu])[0]


def test_definitions_equal_independent_implementations():
    x, y = _pair(n=9, da=6, db=4)
    assert D.cka_linear(x, y) == pytest.approx(ref_cka(x, y), abs=1e-12)
    assert D.cka_debiased(x, y) == pytest.approx(ref_cka_debiased(x, y), abs=1e-12)
    assert D.procrustes_angular(x, y) == pytest.approx(ref_procrustes(x, y), abs=1e-9)
    assert D.rsa_spearman(x, y) == pytest.approx(ref_rsa(x, y), abs=1e-12)
    x, y = _pair(n=40)
    assert D.mutual_knn(x, y, 4) == pytest.approx(ref_mutual_knn(x, y, 4), abs=1e-15)
    assert D.procrustes_angular(y, x) == pytest.approx(ref_procrustes(y, x), abs=1e-9)


@pytest.mark.parametrize("shape", [(30, 12, 9), (8, 40, 25)])  # more words than dimensions, and fewer
def test_calibrated_values_equal_definitions(shape):
    n, da, db = shape
    x, y = _pair(n, da, db)
    got = calibrate(x, y, permutations=20, bootstrap=5, seed=1, nk=3)
    assert list(got) == list(NAMES)
    for name in NAMES:
        want = getattr(D, name)(x, y, 3) if name == "mutual_knn" else getattr(D, name)(x, y)
        assert got[name].value == pytest.approx(want, abs=1e-10), name


def test_rsa_null_is_the_mantel_test():
    x, y = _pair(n=30)
    got = calibrate(x, y, ["rsa_spearman"], permutations=500, bootstrap=0, seed=7)["rsa_spearman"]
    stat, p, null = mantel_test(x @ x.T, y @ y.T, permutations=500, seed=7)
    assert got.p == p and got.null_mean == pytest.approx(null.mean(), abs=1e-15)
    assert got.ci_low is None and got.ci_high is None
    alone = calibrate(x, y, permutations=500, bootstrap=0, seed=7)["rsa_spearman"]
    assert alone.p == p  # the other measures sharing the permutations do not change RSA's


def test_permuted_values_are_the_measures_of_permuted_words():
    x, y = _pair(n=12, da=7, db=5)
    perms = next(permutation_batches(12, 6, 3, 6))
    prod = Products(x, y, NAMES).permuted(perms)
    rsa, knn = Rsa(x, y).permuted(perms), Knn(x, y, 3).permuted(perms)
    for r, p in enumerate(perms):
        yp = y[p]  # word i gets the vector of word p[i]
        assert prod["cka_linear"][r] == pytest.approx(ref_cka(x, yp), abs=1e-12)
        assert prod["cka_debiased"][r] == pytest.approx(D.cka_debiased(x, yp), abs=1e-12)
        assert prod["procrustes_angular"][r] == pytest.approx(ref_procrustes(x, yp), abs=1e-9)
        assert rsa["rsa_spearman"][r] == pytest.approx(ref_rsa(x, yp), abs=1e-12)
        assert knn["mutual_knn"][r] == pytest.approx(ref_mutual_knn(x, yp, 3), abs=1e-15)


@pytest.mark.parametrize("shape", [(14, 6, 5), (10, 30, 20)])  # d x d products, and n x n Grams
def test_resampled_values_are_the_measures_of_resampled_words(shape):
    n, da, db = shape
    x, y = _pair(n, da, db, seed=2)
    idx = next(bootstrap_batches(n, 5, 0, 5))
    w = counts(idx, n)
    prod = Products(x, y, NAMES).resampled(w)
    rsa, knn = Rsa(x, y).resampled(w), Knn(x, y, 3)
    boot_knn = knn.resampled(w)["mutual_knn"]
    iu, ju = np.triu_indices(n, k=1)
    for r, ix in enumerate(idx):
        xs, ys = x[ix], y[ix]
        assert prod["cka_linear"][r] == pytest.approx(ref_cka(xs, ys), abs=1e-10)
        assert prod["cka_debiased"][r] == pytest.approx(D.cka_debiased(xs, ys), abs=1e-10)
        assert prod["procrustes_angular"][r] == pytest.approx(ref_procrustes(xs, ys), abs=1e-8)
        # RSA: the pairs of two different words among the draws (a word's pairs with its own copies left out)
        a_i, a_j = np.triu_indices(n, k=1)
        keep = ix[a_i] != ix[a_j]
        want = stats.spearmanr((xs @ xs.T)[a_i, a_j][keep], (ys @ ys.T)[a_i, a_j][keep])[0]
        assert rsa["rsa_spearman"][r] == pytest.approx(want, abs=1e-12)
        assert boot_knn[r] == pytest.approx(np.mean(knn.overlap[ix]) / 3, abs=1e-15)
    assert iu.size == ju.size


def test_rsa_resample_with_tied_cosines():
    x = _unit(np.array([[1, 0], [1, 0], [0, 1], [1, 1], [1, 2], [2, 1]], dtype=float))
    y = _unit(np.random.default_rng(4).standard_normal((6, 3)))
    idx = np.array([[0, 1, 1, 3, 4, 5], [2, 2, 2, 0, 1, 5]])
    got = Rsa(x, y).resampled(counts(idx, 6))["rsa_spearman"]
    for r, ix in enumerate(idx):
        a_i, a_j = np.triu_indices(6, k=1)
        keep = ix[a_i] != ix[a_j]
        xs, ys = x[ix], y[ix]
        want = stats.spearmanr((xs @ xs.T)[a_i, a_j][keep], (ys @ ys.T)[a_i, a_j][keep])[0]
        assert got[r] == pytest.approx(want, abs=1e-12)


def test_invariances():
    x, y = _pair(n=30, da=10, db=10)
    q = np.linalg.qr(np.random.default_rng(5).standard_normal((10, 10)))[0]
    for f in (D.cka_linear, D.cka_debiased):
        assert f(x @ q, y) == pytest.approx(f(x, y), abs=1e-12)
        assert f(3.5 * x, y) == pytest.approx(f(x, y), abs=1e-12)
    # a rotated copy, also into more dimensions: Procrustes 0, CKA 1
    wide = np.linalg.qr(np.random.default_rng(6).standard_normal((16, 16)))[0][:10]
    for other in (x @ q, x @ wide):
        got = calibrate(x, other, permutations=50, bootstrap=20)
        assert got["procrustes_angular"].value == pytest.approx(0.0, abs=1e-6)
        assert got["cka_linear"].value == pytest.approx(1.0, abs=1e-12)
        assert got["procrustes_angular"].ci_high == pytest.approx(0.0, abs=1e-6)


def test_debiased_cka_near_zero_for_independent_spaces_with_few_words():
    rng = np.random.default_rng(8)
    biased, debiased = [], []
    for _ in range(30):
        x, y = _unit(rng.standard_normal((15, 500))), _unit(rng.standard_normal((15, 500)))
        biased.append(D.cka_linear(x, y))
        debiased.append(D.cka_debiased(x, y))
    assert min(biased) > 0.8
    assert abs(np.mean(debiased)) < 0.06 and np.mean(np.abs(debiased)) < 0.15


def test_p_values_are_uniform_under_the_null():
    """200 small datasets of independent spaces: each continuous measure's p is uniform (KS test).

    Mutual k-NN takes few values, so its permutation p is conservative
    rather than uniform: it may not fall below alpha more often than alpha.
    """
    rng = np.random.default_rng(11)
    ps = {name: [] for name in NAMES}
    for _ in range(200):
        x, y = rng.standard_normal((12, 4)), rng.standard_normal((12, 3))
        for name, r in calibrate(x, y, permutations=99, bootstrap=0, seed=int(rng.integers(1 << 30)), nk=3).items():
            ps[name].append(r.p)
    for name in ("rsa_spearman", "cka_linear", "cka_debiased", "procrustes_angular"):
        # p takes the values k / 100: compare with the uniform on those values (jittered inside each step)
        jittered = np.array(ps[name]) - rng.uniform(0, 0.01, size=200)
        assert stats.kstest(jittered, "uniform").pvalue > 0.01, name
    for alpha in (0.05, 0.1, 0.25):
        assert np.mean(np.array(ps["mutual_knn"]) <= alpha) <= alpha + 0.05


def test_strong_structure_has_small_p_and_interval_around_it():
    x, y = _pair(n=60, noise=0.3)
    got = calibrate(x, y, permutations=199, bootstrap=200, seed=2)
    for name, r in got.items():
        assert r.p == pytest.approx(1 / 200), name
        assert r.ci_low <= r.ci_high
        assert (r.z < -5) if name == "procrustes_angular" else (r.z > 5), name
    assert got["rsa_spearman"].ci_low < got["rsa_spearman"].value < got["rsa_spearman"].ci_high
    again = calibrate(x, y, permutations=199, bootstrap=200, seed=2)
    assert again == got


def test_bad_input():
    x, y = _pair(n=3, da=4, db=4)
    got = calibrate(x, y, permutations=10, bootstrap=10)
    assert got["cka_debiased"].value is None and "at least 4 words" in got["cka_debiased"].reason
    assert got["cka_linear"].value is not None
    flat = np.ones((6, 4))
    got = calibrate(flat, _pair(n=6)[1], permutations=10, bootstrap=10)
    for name in ("rsa_spearman", "cka_linear", "cka_debiased", "procrustes_angular"):
        assert got[name].value is None and got[name].p is None and "flat" in got[name].reason, name
        assert got[name].to_dict()["reason"] == got[name].reason
    assert got["mutual_knn"].value is not None
    with pytest.raises(InputError, match="unknown measure 'cka'"):
        parse_measures("cka,rsa_spearman")
    with pytest.raises(InputError, match="no measures"):
        parse_measures(" , ")
    with pytest.raises(InputError, match="zero or not finite"):
        calibrate(np.zeros((5, 3)), np.ones((5, 3)), permutations=5)
    with pytest.raises(InputError, match="permutations"):
        calibrate(x, y, permutations=-1)
    with pytest.raises(InputError, match="same words"):
        calibrate(x, _pair(n=5)[0], permutations=5)


# -- the commands ------------------------------------------------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _cli(*args: str):
    import json
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "lib", *args], capture_output=True, text=True, cwd=ROOT)
    return out, (json.loads(out.stdout) if out.returncode == 0 and out.stdout.startswith("{") else None)


def test_compare_json_measures_and_matrix_cells_equal_compare():
    from lib.measures.matrix import source_vectors
    from lib.sources import load_source

    specs = ["glove", "random:dim=40,seed=3", "shuffled:glove"]
    base = ["--preset", "animals", "--permutations", "49", "--seed", "2"]
    out, d = _cli("compare", "--a", specs[0], "--b", specs[2], *base, "--bootstrap", "30")
    assert out.returncode == 0, out.stderr
    assert {"words", "a", "b", "rsa", "edges", "degree_spearman", "hubs", "communities"} <= set(d)
    assert list(d["measures"]) == list(NAMES)
    for r in d["measures"].values():
        assert set(r) == {"value", "p", "z", "null_mean", "null_std", "ci_low", "ci_high", "reason"}
    assert d["rsa"]["p_value"] == d["measures"]["rsa_spearman"]["p"]
    x, y = (source_vectors(load_source(s), d["words"]) for s in (specs[0], specs[2]))
    want = calibrate(x, y, permutations=49, bootstrap=30, seed=2)
    for name in NAMES:
        assert d["measures"][name] == want[name].to_dict(), name
    sims = [_unit(v) @ _unit(v).T for v in (x, y)]
    assert d["rsa"]["p_value"] == mantel_test(*sims, permutations=49, seed=2)[1]
    out, m = _cli("matrix", *[a for s in specs for a in ("--source", s)], *base)
    assert out.returncode == 0, out.stderr and m["words"] == d["words"]
    for name in ("cka_linear", "cka_debiased", "procrustes_angular", "mutual_knn"):
        assert m[name][0][2] == m[name][2][0] == d["measures"][name]["value"], name
        assert m[f"{name}_p"][0][2] == d["measures"][name]["p"], name
    assert m["procrustes_angular"][1][1] == 0 and m["cka_linear_p"][1][1] is None


def test_compare_measures_subset_text_and_bad_names():
    out, d = _cli(
        "compare",
        "--a",
        "glove",
        "--b",
        "glove",
        "--preset",
        "colours",
        "--permutations",
        "19",
        "--measures",
        "procrustes_angular,rsa_spearman",
        "--bootstrap",
        "0",
    )
    assert out.returncode == 0 and list(d["measures"]) == ["rsa_spearman", "procrustes_angular"]
    assert d["measures"]["procrustes_angular"]["value"] == pytest.approx(0.0, abs=1e-7)
    assert d["measures"]["procrustes_angular"]["p"] == 1 / 20 and d["measures"]["rsa_spearman"]["ci_low"] is None
    out, _ = _cli("compare", "--a", "glove", "--b", "glove", "--preset", "colours", "--measures", "rsa,cka_linear")
    assert out.returncode == 2 and out.stdout == "" and out.stderr.count("\n") == 1
    assert out.stderr.startswith("error: unknown measure 'rsa'")
    out, _ = _cli("compare", "--a", "glove", "--b", "glove", "--preset", "colours", "--bootstrap", "-1")
    assert out.returncode == 2 and "bootstrap" in out.stderr and out.stderr.count("\n") == 1
    out, _ = _cli(
        "compare",
        "--a",
        "glove",
        "--b",
        "random:dim=20",
        "--preset",
        "colours",
        "--permutations",
        "9",
        "--bootstrap",
        "5",
        "--format",
        "text",
    )
    assert out.returncode == 0 and "cka_debiased" in out.stdout and "interval" in out.stdout


def test_neighbours_summary_has_the_vocabulary_measures():
    from lib.measures.matrix import source_vectors
    from lib.sources import load_source

    out, d = _cli(
        "neighbours",
        "--a",
        "glove",
        "--b",
        "shuffled:glove,seed=4",
        "--top",
        "300",
        "--permutations",
        "30",
        "--no-cache",
    )
    assert out.returncode == 0, out.stderr
    x, y = (source_vectors(load_source(s), d["words"]) for s in ("glove", "shuffled:glove,seed=4"))
    want = calibrate(x, y, ["cka_linear", "cka_debiased", "procrustes_angular"], permutations=30, bootstrap=0)
    for name, r in want.items():
        got = d["summary"][name]
        assert got["value"] == r.value and got["p"] == r.p and got["z"] == r.z, name
    assert d["summary"]["cka_debiased"]["value"] == pytest.approx(D.cka_debiased(_unit(x), _unit(y)), abs=1e-10)
    out, _ = _cli("neighbours", "--a", "glove", "--b", "glove", "--top", "50", "--permutations", "-3")
    assert out.returncode == 2 and "--permutations" in out.stderr


# -- the pages ----------------------------------------------------------------------------


def test_alike_table_and_disagreement_flag():
    from lib.measures import Calibrated
    from ui.alike import alike_frame, disagreement

    def r(name, p):
        return Calibrated(name, 0.5, p, 2.0, 0.1, 0.2, 0.3, 0.7)

    mixed = {"rsa_spearman": r("rsa_spearman", 0.01), "cka_debiased": r("cka_debiased", 0.2)}
    frame = alike_frame(mixed)
    assert list(frame.columns) == ["measure", "value", "95 % interval", "null mean", "z", "p", "reading"]
    assert frame["95 % interval"].tolist() == ["0.300 to 0.700"] * 2 and frame["p"].tolist() == ["0.0100", "0.2000"]
    assert frame["reading"][0].startswith("more alike than chance") and "not distinguishable" in frame["reading"][1]
    flag = disagreement(mixed)
    assert "RSA (Spearman)" in flag and "CKA (debiased)" in flag
    assert disagreement({"rsa_spearman": r("rsa_spearman", 0.01)}) is None
    undefined = Calibrated("cka_debiased", None, None, None, None, None, None, None, "cka_debiased needs 4 words")
    assert alike_frame({"cka_debiased": undefined})["reading"][0].startswith("cka_debiased needs 4 words")


def test_compare_page_shows_the_calibrated_measures():
    from tests.apptest_support import app_test

    at = app_test({"a": "glove", "b": "shuffled:glove", "preset": "colours"}, timeout=600)
    at.run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    table = next(t.value for t in at.table if "reading" in t.value.columns)
    names = ["RSA (Spearman)", "CKA (linear)", "CKA (debiased)", "Procrustes angle", "Mutual k-NN"]
    assert table.index.tolist() == names
    mantel = next(m.value for m in at.metric if m.label == "Mantel p")
    assert table.loc["RSA (Spearman)", "p"] == mantel  # the page's Mantel test and the table share permutations
