"""Contracts shared by every Hydro deployable.

`protos` is the only package that `controller`, `runtimes` and `functions` all import: the
generated Hydrosphere-compatible protobuf modules (under `protos.hydrosphere`), the dtype table,
model contracts, the numpy/JSON/Tensor codec, request validation and the CloudEvent names.
"""
