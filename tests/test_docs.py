"""The documentation stands alone and stays current: links resolve, nothing outside the repository is named.

README.md is the front door (at most 12,000 characters, every subcommand in its Command line
section); docs/ holds the method, the hubs algorithm and every benchmark with its command.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from lib.commands import NAMES

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for heading in re.findall(r"^#{1,6} +(.+?) *$", markdown, flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def _section(markdown: str, title: str) -> str:
    start = markdown.index(f"\n## {title}\n")
    end = markdown.find("\n## ", start + 1)
    return markdown[start : end if end >= 0 else None]


def test_readme_is_a_short_front_door():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text) <= 12_000
    for doc in ("docs/method.md", "docs/hubs.md", "docs/benchmarks.md"):
        assert f"]({doc})" in text


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if re.match(r"[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        assert dest.is_file(), f"{path.name}: broken link {target}"
        assert ROOT in dest.parents, f"{path.name}: {target} points outside the repository"
        if anchor and dest.suffix == ".md":
            assert anchor in _anchors(dest.read_text(encoding="utf-8")), f"{path.name}: no heading for {target}"


def test_nothing_points_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    offenders = []
    for name in tracked.split():
        if Path(name).suffix not in (".py", ".md", ".toml", ".txt", ".sh", ".ini", ".cfg", ".yml", ".yaml"):
            continue
        if name == "tests/test_docs.py":
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        if re.search(r"\bshared/|\bMETHOD\.md", text):
            offenders.append(name)
    assert offenders == []


def test_readme_lists_every_subcommand():
    section = _section((ROOT / "README.md").read_text(encoding="utf-8"), "Command line")
    for name in NAMES:
        assert f"python -m lib {name}" in section, f"README's Command line section lacks {name}"


def test_every_benchmark_script_is_in_benchmarks_md():
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    for script in sorted((ROOT / "bench").glob("*.py")):
        assert f"bench/{script.name}" in text, f"docs/benchmarks.md does not say how to run {script.name}"
