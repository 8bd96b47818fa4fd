"""Generated protobuf/gRPC code for the regulink API (see proto/generate.py)."""
