"""docs/cli.md is the CLI's own help, generated (`make cli-docs`); this keeps the two equal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
HEADER = "<!-- generated from the CLI by `make cli-docs`: edit the commands' help, not this file -->\n\n"


def generated() -> str:
    typer = Path(sys.executable).parent / "typer"
    done = subprocess.run([str(typer), "gateway.cli.main", "utils", "docs", "--name", "regulink"],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    return HEADER + done.stdout


def test_docs_cli_md_is_the_cli_help():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == generated(), (
        "docs/cli.md differs from the CLI's help: run `make cli-docs`")


if __name__ == "__main__":
    (ROOT / "docs" / "cli.md").write_text(generated(), encoding="utf-8")
