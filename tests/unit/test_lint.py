"""`make test` lints: ruff's pyflakes, pycodestyle, import order and bugbear rules (pyproject.toml
[tool.ruff]) over everything we wrote; the generated API code is excluded."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_ruff_finds_nothing():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff, "ruff is a dev dependency: make test installs it (pip install -e '.[dev]')"
    found = subprocess.run([ruff, "check", "--output-format", "concise", "--no-cache", str(ROOT)],
                           capture_output=True, text=True, cwd=ROOT)
    assert found.returncode == 0, f"ruff check (fix with `ruff check --fix .`):\n{found.stdout}{found.stderr}"
