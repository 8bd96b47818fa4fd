"""regulink API v1: generated from the .proto files beside this module (`make proto`)."""
