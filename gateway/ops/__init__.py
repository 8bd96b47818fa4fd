"""Running the gateway: development CA, processes, data directory."""
