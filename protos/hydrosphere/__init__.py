"""Generated protobuf modules for Hydrosphere 3.0.3 wire-compatible contracts (see `make protos`)."""
