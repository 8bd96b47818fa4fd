"""The proto API: buf lint passes and the committed generated code is what the .proto files give."""

from __future__ import annotations

import filecmp
import importlib.util
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUF = ROOT / "node_modules" / ".bin" / "buf"


def test_buf_lint():
    if not BUF.exists():
        pytest.fail("buf is not installed: `make test` installs it with npm (package.json)")
    result = subprocess.run([str(BUF), "lint"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_code_is_fresh(tmp_path):
    spec = importlib.util.spec_from_file_location("generate", ROOT / "proto" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.generate(tmp_path)
    committed = ROOT / "proto" / "regulink" / "v1"
    fresh = tmp_path / "regulink" / "v1"
    names = sorted(p.name for p in fresh.iterdir())
    assert names, "protoc generated nothing"
    stale = [n for n in names if not (committed / n).exists() or not filecmp.cmp(fresh / n, committed / n, shallow=False)]
    assert not stale, f"generated code is stale, run `make proto`: {stale}"
    extra = sorted(p.name for p in committed.glob("*_pb2*.py*") if p.name not in names)
    assert not extra, f"generated files without a .proto: {extra}"
    shutil.rmtree(tmp_path / "regulink")
