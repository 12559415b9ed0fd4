"""The store: providers.yaml, request files, the derived index, validation."""
