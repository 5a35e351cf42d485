"""Payload paths and globs relative to the YAML file, packed into the upload tarball."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from controller.cli.payload import build_tarball, resolve_payload
from controller.errors import InvalidResource


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "src" / "pkg" / "main.py").write_text("x = 1\n")
    for name in ("a.joblib", "b.joblib", "requirements.txt"):
        (tmp_path / name).write_text(name)
    return tmp_path


def test_paths_and_globs_keep_their_written_names(folder: Path, tmp_path: Path) -> None:
    files = resolve_payload(folder, ["src/", "*.joblib", "./requirements.txt"], "serving.yaml#1")
    assert [name for _, name in files] == ["src", "a.joblib", "b.joblib", "requirements.txt"]
    with tarfile.open(build_tarball(files, tmp_path / "out.tar.gz")) as tar:
        assert sorted(tar.getnames()) == ["a.joblib", "b.joblib", "requirements.txt", "src", "src/pkg",
                                          "src/pkg/main.py"]


@pytest.mark.parametrize(("entry", "problem"), [("*.pkl", "matches nothing"), ("missing.py", "does not exist")])
def test_missing_payload_names_the_entry(folder: Path, entry: str, problem: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        resolve_payload(folder, ["src/", entry], "serving.yaml#3")
    assert caught.value.field == "payload[1]" and problem in str(caught.value)
    assert str(caught.value).startswith("serving.yaml#3: payload[1]: ")
