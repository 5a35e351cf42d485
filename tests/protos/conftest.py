"""Fixtures for the protos tests: Hydrosphere 3.0.3's own descriptors, read from its PyPI wheel.

The wheel pins protobuf<4, so it is never installed: it is downloaded once into the virtualenv's
cache and its `*_pb2.py` files are read as text. Each holds the serialized FileDescriptorProto as
the `serialized_pb=b'...'` argument of `_descriptor.FileDescriptor(...)`; `ast` extracts it
without executing the file.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

WHEEL_REQUIREMENT = "hydro-serving-grpc==3.0.3"
WHEEL_NAME = "hydro_serving_grpc-3.0.3-py3-none-any.whl"


def _wheel_path() -> Path:
    cache = Path(sys.prefix) / "cache" / "wheels"
    wheel = cache / WHEEL_NAME
    if not wheel.exists():
        cache.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", WHEEL_REQUIREMENT, "-d", str(cache)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
        assert result.returncode == 0, f"could not download {WHEEL_REQUIREMENT}:\n{result.stderr}"
    return wheel


def _serialized_pb(source: str) -> bytes | None:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "serialized_pb":
            value = ast.literal_eval(node.value)
            assert isinstance(value, bytes)
            return value
    return None


@pytest.fixture(scope="session")
def hydrosphere_files() -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """Hydrosphere 3.0.3's FileDescriptorProtos by proto file name (`hydro_serving_grpc/...`)."""
    files = {}
    with zipfile.ZipFile(_wheel_path()) as wheel:
        for name in wheel.namelist():
            if not name.endswith("_pb2.py"):
                continue
            serialized = _serialized_pb(wheel.read(name).decode("utf-8"))
            if serialized is not None:
                proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
                files[proto.name] = proto
    assert files, f"no serialized descriptors found in {WHEEL_NAME}"
    return files
