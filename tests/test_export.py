"""Exports: every format's content, atomic writes, safe names, and ``python -m lib export``."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from lib.errors import InputError
from lib.export import (
    FORMATS,
    GEXF_SCALE,
    export_bytes,
    export_file,
    export_filename,
    format_for_path,
    nodes_csv,
)
from lib.graph import build_graph, graph_to_dict
from lib.sources import load_source

ROOT = Path(__file__).resolve().parents[1]
EVIL = "<img src=x onerror=alert(1)>"
WORDS = ["cat", "dog", "car", "bus", "apple", "pear", EVIL, 'say "hi" & bye']
CATEGORIES = {"cat": "animal", "dog": "animal", EVIL: "evil"}


def edge_lines(svg: str) -> int:
    """How many lines the edge layer (the first layer, a rule mark) drew."""
    group = re.search(r'<g class="mark-rule role-mark layer_0_marks"[^>]*>(.*?)</g>', svg, re.S)
    return group.group(1).count("<line")


@pytest.fixture(scope="module")
def result():
    return build_graph(load_source("random:dim=20,seed=3"), WORDS)


def test_svg_and_png(result):
    svg = export_bytes(result, "svg", categories=CATEGORIES, title="my ring").decode()
    assert svg.startswith("<svg") and "my ring" in svg
    assert "&lt;img src=x onerror=alert(1)&gt;" in svg and "<img" not in svg
    assert edge_lines(svg) == result.graph.n_edges
    png = export_bytes(result, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_svg_states_the_edge_cap(result):
    svg = export_bytes(result, "svg", max_edges=3).decode()
    assert edge_lines(svg) == 3
    assert f"showing the 3 strongest of {result.graph.n_edges} edges" in svg


def test_csv_tables_carry_words_as_plain_data(result):
    rows = list(csv.DictReader(io.StringIO(export_bytes(result, "csv").decode())))
    g = result.graph
    assert [(r["source"], r["target"]) for r in rows] == list(zip(g.edges["source"], g.edges["target"]))
    assert [float(r["cosine"]) for r in rows] == pytest.approx(g.edges["cosine"].tolist())
    nodes = list(csv.DictReader(io.StringIO(nodes_csv(result, CATEGORIES).decode())))
    assert export_bytes(result, "csv", table="nodes", categories=CATEGORIES) == nodes_csv(result, CATEGORIES)
    with pytest.raises(InputError, match="CSV table"):
        export_bytes(result, "csv", table="pairs")
    assert [n["word"] for n in nodes] == list(g.words)
    assert {n["word"]: n["category"] for n in nodes}[EVIL] == "evil"
    assert [int(n["degree"]) for n in nodes] == g.degree.tolist()


@pytest.mark.parametrize("fmt, reader", [("gexf", nx.read_gexf), ("graphml", nx.read_graphml)])
def test_gephi_formats_round_trip(result, fmt, reader, tmp_path):
    data = export_bytes(result, fmt, categories=CATEGORIES)
    assert b"<img" not in data  # escaped in the XML
    path = tmp_path / f"g.{fmt}"
    path.write_bytes(data)
    back = reader(path)
    g = result.graph
    assert back.number_of_nodes() == g.n and back.number_of_edges() == g.n_edges
    attrs = {a["word"]: a for _, a in back.nodes(data=True)}
    assert set(attrs) == set(g.words)
    for w, d, x, y in zip(g.words, g.degree, g.x, g.y):
        assert int(attrs[w]["degree"]) == d
        assert float(attrs[w]["x"]) == pytest.approx(x, abs=1e-6)
        assert float(attrs[w]["y"]) == pytest.approx(y, abs=1e-6)
    assert attrs[EVIL]["category"] == "evil" and "category" not in attrs["car"]
    node_id = {a["word"]: n for n, a in back.nodes(data=True)}
    for s, t, c in zip(g.edges["source"], g.edges["target"], g.edges["cosine"]):
        assert float(back.edges[node_id[s], node_id[t]]["weight"]) == pytest.approx(c, abs=1e-6)
    if fmt == "gexf":  # Gephi opens it in the ring layout
        for w, x, y in zip(g.words, g.x, g.y):
            pos = attrs[w]["viz"]["position"]
            assert pos["x"] == pytest.approx(GEXF_SCALE * x, abs=1e-3)
            assert pos["y"] == pytest.approx(GEXF_SCALE * y, abs=1e-3)


def test_atomic_files_get_the_permissions_open_would_give(tmp_path):
    from lib.sources._cache import atomic_file

    umask = os.umask(0)
    os.umask(umask)
    with atomic_file(tmp_path / "hubs.parquet") as tmp:
        tmp.write_bytes(b"x")
    assert (tmp_path / "hubs.parquet").stat().st_mode & 0o777 == 0o666 & ~umask


def test_json_is_the_graph_command_object(result):
    assert json.loads(export_bytes(result, "json")) == json.loads(json.dumps(graph_to_dict(result)))


def test_unknown_format(result):
    with pytest.raises(InputError, match="unknown export format 'pdf'"):
        export_bytes(result, "pdf")


def test_export_file_picks_format_and_writes_atomically(result, tmp_path):
    for ext in FORMATS:
        path = export_file(result, tmp_path / f"ring.{ext.upper() if ext == 'svg' else ext}")
        assert path.stat().st_size > 0
    assert (tmp_path / "ring.SVG").read_text().startswith("<svg")
    assert oct((tmp_path / "ring.csv").stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    # A failing export leaves the old file as it was and no temporary file.
    target = tmp_path / "ring.svg"
    target.write_text("old")
    with pytest.raises(InputError, match="size"):
        export_file(result, target, size=5)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_export_file_errors(result, tmp_path):
    with pytest.raises(InputError, match=r"cannot tell the export format from \.docx"):
        export_file(result, tmp_path / "ring.docx")
    with pytest.raises(InputError, match="no extension"):
        format_for_path(tmp_path / "ring")
    with pytest.raises(InputError, match="does not exist"):
        export_file(result, tmp_path / "nowhere" / "ring.svg")


def test_export_filename_is_safe():
    assert export_filename("glove", "course", "svg") == "glove_course.svg"
    assert (
        export_filename("word2vec:/data/x/GoogleNews.bin.gz", "my list", ".PNG")
        == "word2vec-GoogleNews.bin.gz_my-list.png"
    )
    name = export_filename("word2vec:../../etc/passwd", "../../evil <b>", "csv")
    assert "/" not in name and ".." not in name and "<" not in name
    assert export_filename("random", None, "json") == "random.json"
    assert export_filename("::", "", "gexf") == "ring.gexf"
    with pytest.raises(InputError):
        export_filename("glove", "x", "exe")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_export(tmp_path):
    out = tmp_path / "ring.svg"
    proc = run_cli(
        "export",
        "--source",
        "random:dim=20,seed=1",
        "--preset",
        "course",
        "--out",
        str(out),
        "--max-edges",
        "5",
        "--title",
        "course words",
    )
    assert proc.returncode == 0, proc.stderr
    svg = out.read_text()
    assert "course words" in svg and "showing the 5 strongest of" in svg
    assert "wrote" in proc.stderr and "showing the 5 strongest" in proc.stderr
    proc = run_cli(
        "export", "--source", "random:dim=20,seed=1", "--preset", "course", "--out", str(tmp_path / "g.gexf")
    )
    assert proc.returncode == 0, proc.stderr
    cats = {a.get("category") for _, a in nx.read_gexf(tmp_path / "g.gexf").nodes(data=True)}
    assert cats == {"space", "furniture", "fruit"}
    proc = run_cli(
        "export",
        "--source",
        "random:dim=20,seed=1",
        "--preset",
        "course",
        "--table",
        "nodes",
        "--out",
        str(tmp_path / "nodes.csv"),
    )
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "nodes.csv").read_text())))
    assert len(rows) == 20 and rows[0]["word"] == "space" and rows[0]["category"] == "space"


def test_cli_export_bad_input(tmp_path):
    proc = run_cli("export", "--source", "random", "--words", "a,b,c", "--out", str(tmp_path / "x.doc"))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: cannot tell the export format") and proc.stderr.count("\n") == 1
    proc = run_cli("export", "--source", "random", "--words", "a,b", "--out", str(tmp_path / "x.svg"))
    assert proc.returncode == 2 and "at least 3" in proc.stderr
    assert not (tmp_path / "x.svg").exists()
