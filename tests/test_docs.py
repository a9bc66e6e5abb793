"""The documentation builds with MkDocs in strict mode: no broken links, no missing pages."""

import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_ROOT

PAGES = [
    "index.html",
    "configuration",
    "strong-teacher",
    "scale",
    "cost",
    "skills",
    "datasets",
    "analysis",
]


def test_docs_build_strict(tmp_path: Path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for page in PAGES:
        assert (tmp_path / "site" / page).exists(), page
    assert (tmp_path / "site" / "images" / "kedro-viz.png").stat().st_size > 50_000
    assert "WARNING" not in result.stderr
