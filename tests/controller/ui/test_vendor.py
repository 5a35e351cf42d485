"""The vendored front-end libraries are exactly the pinned files, with their licenses, and the
UI's own code loads nothing from another origin."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[3] / "controller" / "ui"
VENDOR = UI / "static" / "vendor"
TOOL = UI.parents[1] / "tools" / "vendor_ui.sh"
LICENSE_WORDS = {"MIT": "Permission is hereby granted", "Apache-2.0": "Apache License"}


def pinned() -> dict[str, str]:
    lines = (VENDOR / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


def locked() -> list[list[str]]:
    lines = (VENDOR / "vendor.lock").read_text().splitlines()
    return [line.split() for line in lines if line.strip() and not line.startswith("#")]


def test_every_vendored_file_is_pinned_and_matches_its_checksum() -> None:
    sums = pinned()
    present = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()} - {"SHA256SUMS", "vendor.lock"}
    assert present == set(sums)
    for name, digest in sums.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name


@pytest.mark.parametrize("entry", locked(), ids=lambda entry: entry[3])
def test_each_locked_file_is_vendored_with_its_license(entry: list[str]) -> None:
    package, version, _source, target, license_name, _license_file = entry
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{package} must be pinned to an exact version"
    assert target in pinned()
    assert LICENSE_WORDS[license_name] in (VENDOR / "licenses" / f"{package}.txt").read_text()


def test_the_vendoring_script_checks_the_committed_files_offline() -> None:
    result = subprocess.run(["bash", str(TOOL), "--check"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_ui_loads_nothing_from_another_origin() -> None:
    own = [*UI.joinpath("templates").rglob("*.html"), *UI.joinpath("static", "js").rglob("*.js"),
           *UI.joinpath("static", "css").rglob("*.css")]
    assert len(own) > 10
    for path in own:
        text = path.read_text()
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), path
        assert not re.search(r"url\(\s*[\"']?(https?:)?//", text), path
        assert not re.search(r"import\s*\(?\s*[\"'](https?:)?//", text), path
