"""CKA (linear, debiased) and the angular Procrustes distance from cross-products, for many permutations.

All three measures are functions of the d_a x d_b cross-product C = XcᵀYc of
the column-centred rows and of the squared row norms k_i = ‖xc_i‖²,
l_i = ‖yc_i‖², never of the n x n Gram matrices:

- linear CKA = ‖C‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F);
- Song et al.'s unbiased HSIC of K = XcXcᵀ and L = YcYcᵀ: with centred
  columns K1 = 0, so 1ᵀK̃1 = -Σk, (K̃1)_i = -k_i, and
  HSIC_u(K, L) = [‖C‖²_F - Σ k_i l_i + Σk Σl / ((n-1)(n-2)) - 2 Σ k_i l_i / (n-2)] / (n (n-3));
  HSIC_u(K, K) is the same with XcᵀXc and k in place of C and l;
- Procrustes: arccos(‖C‖_* / (‖Xc‖_F ‖Yc‖_F)), ‖Xc‖²_F = Σk.

Permuting B's rows (word i gets word p[i]'s vector) leaves the column
means, XcᵀXc, YcᵀYc and Σk, Σl unchanged; only C and Σ k_i l_{p[i]} change,
at O(n · d_a · d_b) per permutation. When a space has more dimensions than
words, its rows are first rewritten in an n-dimensional orthonormal basis of
their span (X = U S Vᵀ, coordinates U S): cross-products, norms and singular
values are unchanged, and the products shrink to n x n.

A bootstrap resample (words with counts w, n draws in all) is centred on its
own mean: C_w = Xᵀ diag(w) Y - n μ_x μ_yᵀ, and the same formulas hold with
sums weighted by w (a word drawn twice is two rows of the resample).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from threadpoolctl import threadpool_limits  # installed with scikit-learn

from ..rowspace import row_coordinates
from .definitions import MIN_WORDS_DEBIASED

__all__ = ["GRAM_WORDS", "PRODUCT_MEASURES", "Products", "hsic_from_products"]

#: The measures this module computes.
PRODUCT_MEASURES = ("cka_linear", "cka_debiased", "procrustes_angular")
#: Most words for which resamples use n x n Gram matrices (five of them: 250 MB at 2,500 words).
GRAM_WORDS = 2_500
#: Most float64 numbers of permuted rows gathered at once (permutations x n x d_b).
_GATHER_NUMBERS = 8_000_000


def hsic_from_products(fro2: np.ndarray, kl: np.ndarray, sk: float, sl: np.ndarray | float, n: int) -> np.ndarray:
    """The unbiased HSIC from ‖C‖²_F, Σ k_i l_i, Σk, Σl and n (see the module notes).

    >>> from lib.measures.definitions import hsic_unbiased
    >>> x = np.random.default_rng(0).standard_normal((7, 3))
    >>> x -= x.mean(axis=0)
    >>> k = np.sum(x * x, axis=1)
    >>> h = hsic_from_products(np.sum((x.T @ x) ** 2), k @ k, k.sum(), k.sum(), 7)
    >>> bool(np.isclose(h, hsic_unbiased(x @ x.T, x @ x.T)))
    True
    """
    return (fro2 - kl + sk * sl / ((n - 1) * (n - 2)) - 2 * kl / (n - 2)) / (n * (n - 3))


def _nuclear(c: np.ndarray) -> np.ndarray:
    """Sum of singular values of a matrix, or of each of a stack (one LAPACK gesdd call per matrix).

    A decomposition of a few hundred rows runs on one BLAS thread: more threads
    only contend (about 10x slower on a busy 2-core machine).
    """
    from scipy import linalg

    with threadpool_limits(1, user_api="blas"):
        if c.ndim == 2:
            return float(linalg.svd(c, compute_uv=False, check_finite=False).sum())
        return np.array([linalg.svd(m, compute_uv=False, check_finite=False).sum() for m in c])


class Products:
    """The cross-product measures of two row-unit spaces, ready for permutations and resamples.

    ``names`` picks which of :data:`PRODUCT_MEASURES` to compute (the
    singular values are only taken for Procrustes). A measure whose observed
    value is undefined is left to the caller (it is not asked for).
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, names: Sequence[str]):
        self.names = tuple(n for n in PRODUCT_MEASURES if n in names)
        self.n = n = x.shape[0]
        self.a, self.b = row_coordinates(x), row_coordinates(y)
        self.ac, self.bc = self.a - self.a.mean(axis=0), self.b - self.b.mean(axis=0)
        self.k, self.l = np.einsum("ij,ij->i", self.ac, self.ac), np.einsum("ij,ij->i", self.bc, self.bc)
        self.sk, self.sl = float(self.k.sum()), float(self.l.sum())
        fxx2 = float(np.sum((self.ac.T @ self.ac) ** 2))
        fyy2 = float(np.sum((self.bc.T @ self.bc) ** 2))
        self.cka_den = np.sqrt(fxx2 * fyy2)
        self.scale = np.sqrt(self.sk * self.sl)
        #: name -> why it has no value (the name is then left out of ``names``).
        self.reasons: dict[str, str] = {}
        flat = "A" if self.sk == 0 else "B" if self.sl == 0 else None
        for name in self.names:
            if flat:
                self.reasons[name] = f"{name} is undefined: source {flat} is flat (all its vectors are the same)"
        self.hsic_den = None
        if "cka_debiased" in self.names and not flat:
            if n < MIN_WORDS_DEBIASED:
                self.reasons["cka_debiased"] = f"cka_debiased needs at least {MIN_WORDS_DEBIASED} words, got {n}"
            else:
                hxx = hsic_from_products(fxx2, float(self.k @ self.k), self.sk, self.sk, n)
                hyy = hsic_from_products(fyy2, float(self.l @ self.l), self.sl, self.sl, n)
                if hxx > 0 and hyy > 0:
                    self.hsic_den = np.sqrt(hxx * hyy)
                else:
                    which, h = ("A", hxx) if not hxx > 0 else ("B", hyy)
                    self.reasons["cka_debiased"] = (
                        f"cka_debiased is undefined: source {which}'s unbiased HSIC with itself is {h:.3g}, not > 0"
                    )
        self.names = tuple(name for name in self.names if name not in self.reasons)
        #: The measures on the real pairing of words (the identity permutation).
        self.values = {name: float(v[0]) for name, v in self.permuted(np.arange(n)[None]).items()}

    def _values(self, fro2, kl, nuclear, sk, sl, den_cka, den_hsic, scale) -> dict[str, np.ndarray]:
        out = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            if "cka_linear" in self.names:
                out["cka_linear"] = fro2 / den_cka
            if "cka_debiased" in self.names:
                out["cka_debiased"] = hsic_from_products(fro2, kl, sk, sl, self.n) / den_hsic
            if "procrustes_angular" in self.names:
                out["procrustes_angular"] = np.arccos(np.clip(nuclear / scale, -1.0, 1.0))
        return out

    def permuted(self, perms: np.ndarray) -> dict[str, np.ndarray]:
        """Each measure for each permutation (row) of B's words: arrays of length len(perms)."""
        step = max(1, _GATHER_NUMBERS // (self.n * self.b.shape[1]))
        parts = []
        for start in range(0, len(perms), step):
            p = perms[start : start + step]
            c = np.matmul(self.ac.T, self.bc[p])  # (m, d_a, d_b)
            fro2 = np.einsum("mij,mij->m", c, c)
            nuclear = _nuclear(c) if "procrustes_angular" in self.names else None
            parts.append(
                self._values(
                    fro2, self.l[p] @ self.k, nuclear, self.sk, self.sl, self.cka_den, self.hsic_den, self.scale
                )
            )
        return {name: np.concatenate([p[name] for p in parts]) for name in self.names}

    def resampled(self, weights: np.ndarray) -> dict[str, np.ndarray]:
        """Each measure on each bootstrap resample, given as word counts (rows of ``weights``)."""
        w = weights.astype(np.float64)
        cka = [name for name in ("cka_linear", "cka_debiased") if name in self.names]
        out: dict[str, np.ndarray] = {}
        if cka:
            r_a, r_b = self.a.shape[1], self.b.shape[1]
            gram = self.n <= GRAM_WORDS and 5 * self.n < r_a * r_b + r_a * r_a + r_b * r_b
            parts = self._gram_parts(w) if gram else self._product_parts(w)
            fro2, fxx2, fyy2, k, ll = parts
            sk, sl = np.sum(w * k, axis=1), np.sum(w * ll, axis=1)
            kl, kk, lsq = np.sum(w * k * ll, axis=1), np.sum(w * k * k, axis=1), np.sum(w * ll * ll, axis=1)
            n = self.n
            with np.errstate(invalid="ignore", divide="ignore"):
                out["cka_linear"] = fro2 / np.sqrt(fxx2 * fyy2)
                if "cka_debiased" in cka:
                    hxx = hsic_from_products(fxx2, kk, sk, sk, n)
                    hyy = hsic_from_products(fyy2, lsq, sl, sl, n)
                    den = np.where((hxx > 0) & (hyy > 0), np.sqrt(np.abs(hxx * hyy)), np.nan)
                    out["cka_debiased"] = hsic_from_products(fro2, kl, sk, sl, n) / den
        if "procrustes_angular" in self.names:
            out["procrustes_angular"] = self._procrustes_resampled(w)
        return {name: out[name] for name in self.names}

    def _centred_norms(self, w: np.ndarray, rows: np.ndarray, means: np.ndarray) -> np.ndarray:
        """‖row_i - mean of resample r‖² for every resample r (rows of the result)."""
        sq = np.einsum("ij,ij->i", rows, rows)
        return sq[None, :] - 2 * means @ rows.T + np.einsum("rj,rj->r", means, means)[:, None]

    def _gram_parts(self, w: np.ndarray):
        """‖C_w‖², ‖XᵀX_w‖², ‖YᵀY_w‖² and the centred row norms from n x n Grams (few words, many dimensions).

        With K = XXᵀ and Kw = K w: Σ_ab w_a w_b Kc_ab Lc_ab =
        wᵀ(K∘L)w - 2 Σ_i w_i (Kw)_i (Lw)_i / n + (wᵀKw)(wᵀLw) / n².
        """
        if not hasattr(self, "_grams"):
            k, ll = self.a @ self.a.T, self.b @ self.b.T
            self._grams = (k, ll, k * ll, k * k, ll * ll)
        k, ll, kl, kk, lsq = self._grams
        n, wt = self.n, w.T
        kw, lw = (k @ wt).T, (ll @ wt).T
        skw, slw = np.sum(w * kw, axis=1), np.sum(w * lw, axis=1)

        def centred(hadamard, left, right, s_left, s_right):
            first = np.sum(w * (hadamard @ wt).T, axis=1)
            return first - 2 * np.sum(w * left * right, axis=1) / n + s_left * s_right / n**2

        fro2, fxx2, fyy2 = centred(kl, kw, lw, skw, slw), centred(kk, kw, kw, skw, skw), centred(lsq, lw, lw, slw, slw)
        k_s = np.diag(k)[None, :] - 2 * kw / n + (skw / n**2)[:, None]
        l_s = np.diag(ll)[None, :] - 2 * lw / n + (slw / n**2)[:, None]
        return fro2, fxx2, fyy2, k_s, l_s

    def _product_parts(self, w: np.ndarray):
        """The same from d x d cross-products of the weighted rows (many words)."""
        a, b, n = self.a, self.b, self.n
        mx, my = (w @ a) / n, (w @ b) / n
        fro2, fxx2, fyy2 = (np.empty(len(w)) for _ in range(3))
        for r, wr in enumerate(w):
            aw, bw = a * wr[:, None], b * wr[:, None]
            fro2[r] = np.sum((aw.T @ b - n * np.outer(mx[r], my[r])) ** 2)
            fxx2[r] = np.sum((aw.T @ a - n * np.outer(mx[r], mx[r])) ** 2)
            fyy2[r] = np.sum((bw.T @ b - n * np.outer(my[r], my[r])) ** 2)
        return fro2, fxx2, fyy2, self._centred_norms(w, a, mx), self._centred_norms(w, b, my)

    def _procrustes_resampled(self, w: np.ndarray) -> np.ndarray:
        a, b, n = self.a, self.b, self.n
        mx, my = (w @ a) / n, (w @ b) / n
        sk = np.sum(w * self._centred_norms(w, a, mx), axis=1)
        sl = np.sum(w * self._centred_norms(w, b, my), axis=1)
        out = np.empty(len(w))
        for r, wr in enumerate(w):
            c = (a * wr[:, None]).T @ b - n * np.outer(mx[r], my[r])
            with np.errstate(invalid="ignore", divide="ignore"):
                out[r] = np.arccos(np.clip(_nuclear(c) / np.sqrt(sk[r] * sl[r]), -1.0, 1.0))
        return out
