"""The layer contract (pyproject's [tool.importlinter]) holds, and catches a wrong import."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports")


def lint(src: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if LINT is None:
        pytest.fail("lint-imports is not installed; run: pip install -e '.[test]'")
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [LINT, "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )


def copy_package(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "annotator", src / "annotator",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return src


def test_the_tree_keeps_its_layers(tmp_path):
    result = lint(copy_package(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_an_engine_module_importing_textual_fails_and_is_named(tmp_path):
    src = copy_package(tmp_path)
    layout = src / "annotator" / "text" / "layout.py"
    layout.write_text(layout.read_text(encoding="utf-8") + "\nimport textual.widget\n",
                      encoding="utf-8")
    result = lint(src, tmp_path)
    assert result.returncode != 0
    assert "No Textual or Rich below the TUI BROKEN" in result.stdout
    assert "annotator.text.layout -> textual" in result.stdout


def test_the_store_importing_the_app_breaks_the_layers(tmp_path):
    src = copy_package(tmp_path)
    database = src / "annotator" / "store" / "database.py"
    database.write_text(database.read_text(encoding="utf-8") + "\nimport annotator.tui.app\n",
                        encoding="utf-8")
    result = lint(src, tmp_path)
    assert result.returncode != 0
    assert "Layers: cli > tui | pipeline | web > store > text BROKEN" in result.stdout
    assert "annotator.store.database -> annotator.tui.app" in result.stdout


def test_sql_outside_the_store_breaks_the_contract(tmp_path):
    src = copy_package(tmp_path)
    stats = src / "annotator" / "pipeline" / "stats.py"
    stats.write_text(stats.read_text(encoding="utf-8") + "\nimport sqlite3\n", encoding="utf-8")
    result = lint(src, tmp_path)
    assert result.returncode != 0
    assert "Only the store knows SQLite BROKEN" in result.stdout
    assert "annotator.pipeline.stats -> sqlite3" in result.stdout


def test_the_public_api_loads_without_textual():
    code = ("import sys, annotator\n"
            "for name in annotator.__all__: getattr(annotator, name)\n"
            "assert not any(m == 'textual' or m.startswith(('textual.', 'rich')) "
            "for m in sys.modules), sorted(m for m in sys.modules if 'textual' in m)\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
