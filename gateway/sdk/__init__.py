"""The partner SDK: client, receipt and proof checks (no server dependencies)."""
