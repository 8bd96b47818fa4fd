"""Generate the Python protobuf/gRPC code for proto/regulink/v1 (`make proto`).

The generated modules sit beside their .proto files, so `regulink.v1` is one
importable package (pyproject maps `regulink` to proto/regulink). Run with an
output directory to generate elsewhere: tests/unit/test_proto_fresh.py does,
and fails when the committed code is stale.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

PROTO_ROOT = Path(__file__).resolve().parent
SOURCES = sorted(p.relative_to(PROTO_ROOT).as_posix() for p in (PROTO_ROOT / "regulink" / "v1").glob("*.proto"))


def generate(out_dir: Path = PROTO_ROOT) -> None:
    well_known = str(resources.files("grpc_tools") / "_proto")
    args = [
        "protoc",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={out_dir}",
        f"--pyi_out={out_dir}",
        f"--grpc_python_out={out_dir}",
        *SOURCES,
    ]
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed (see the message above)")


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else PROTO_ROOT)
