"""The projection: its supervisor, worker process, rebuilds, the graph database's watch."""
