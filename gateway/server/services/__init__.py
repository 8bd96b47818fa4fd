"""gRPC service implementations; each receives the Gateway it serves."""
