"""Safe unpacking: malicious archives built in memory, one per rule."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from controller.errors import BadRequest, PayloadTooLarge
from controller.settings import UploadLimits
from controller.uploads import remove_folder, unpack_archive

LIMITS = UploadLimits(max_upload_bytes=1_000_000, max_files=20, max_unpacked_bytes=100_000)
Member = tuple[tarfile.TarInfo, bytes | None]


def _file(name: str, data: bytes = b"data", mode: int = 0o644) -> Member:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    return info, data


def _special(name: str, kind: bytes, linkname: str = "") -> Member:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, None


def _archive(*members: Member, compress: bool = True) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz" if compress else "w") as archive:
        for info, data in members:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    buffer.seek(0)
    return buffer


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


def _leftovers(parent: Path) -> list[str]:
    return sorted(os.listdir(parent)) if parent.exists() else []


def test_regular_files_and_folders_are_unpacked(parent: Path) -> None:
    folder_info = tarfile.TarInfo("model/src")
    folder_info.type = tarfile.DIRTYPE
    archive = _archive((folder_info, None), _file("model/src/func_main.py", b"print(1)\n", 0o4755),
                       _file("./model/serving.yaml", b"kind: Model\n"))
    folder = unpack_archive(archive, LIMITS, parent)
    assert folder.parent == parent
    assert (folder / "model" / "src" / "func_main.py").read_bytes() == b"print(1)\n"
    assert (folder / "model" / "serving.yaml").read_bytes() == b"kind: Model\n"
    assert (folder / "model" / "src" / "func_main.py").stat().st_mode & 0o7777 == 0o755  # setuid dropped
    remove_folder(folder)
    assert _leftovers(parent) == []


def test_plain_tar_is_accepted_too(parent: Path) -> None:
    folder = unpack_archive(_archive(_file("a.txt"), compress=False), LIMITS, parent)
    assert (folder / "a.txt").read_bytes() == b"data"


BAD: list[tuple[str, Callable[[], io.BytesIO], str]] = [
    ("absolute", lambda: _archive(_file("/etc/cron.d/evil")), "'/etc/cron.d/evil' refused: absolute"),
    ("dotdot", lambda: _archive(_file("ok.txt"), _file("a/../../evil")), "'a/../../evil' refused: '..'"),
    ("symlink", lambda: _archive(_special("link", tarfile.SYMTYPE, "/etc/passwd")), "'link' refused: links"),
    ("inner symlink", lambda: _archive(_file("a"), _special("b", tarfile.SYMTYPE, "a")), "'b' refused: links"),
    ("hardlink", lambda: _archive(_special("h", tarfile.LNKTYPE, "/etc/shadow")), "'h' refused: links"),
    ("device", lambda: _archive(_special("dev", tarfile.CHRTYPE)), "'dev' refused: only regular files"),
    ("block device", lambda: _archive(_special("blk", tarfile.BLKTYPE)), "'blk' refused: only regular"),
    ("fifo", lambda: _archive(_special("pipe", tarfile.FIFOTYPE)), "'pipe' refused: only regular files"),
    ("backslash", lambda: _archive(_file("..\\evil")), "refused: backslashes"),
]


@pytest.mark.parametrize(("case", "build", "message"), BAD, ids=[case for case, _, _ in BAD])
def test_unsafe_members_are_refused_and_nothing_stays(
    parent: Path, case: str, build: Callable[[], io.BytesIO], message: str
) -> None:
    with pytest.raises(BadRequest, match=message) as caught:
        unpack_archive(build(), LIMITS, parent)
    assert caught.value.status == 400 and caught.value.field == "payload"
    assert _leftovers(parent) == []


def test_too_many_entries(parent: Path) -> None:
    archive = _archive(*(_file(f"f{i}") for i in range(LIMITS.max_files + 1)))
    with pytest.raises(PayloadTooLarge, match=r"more than 20 entries .at 'f20'"):
        unpack_archive(archive, LIMITS, parent)
    assert _leftovers(parent) == []


def test_compressed_size_is_counted_while_reading(parent: Path) -> None:
    archive = _archive(_file("random.bin", os.urandom(50_000)))
    small = UploadLimits(max_upload_bytes=10_000, max_files=10, max_unpacked_bytes=10**9)
    with pytest.raises(PayloadTooLarge, match=r"exceeds 10000 bytes") as caught:
        unpack_archive(archive, small, parent)
    assert caught.value.status == 413
    assert _leftovers(parent) == []


def test_unpacked_size_by_header(parent: Path) -> None:
    archive = _archive(_file("a.bin", b"\0" * 60_000), _file("b.bin", b"\0" * 60_000))
    with pytest.raises(PayloadTooLarge, match=r"'b.bin' refused: the unpacked upload exceeds"):
        unpack_archive(archive, LIMITS, parent)
    assert _leftovers(parent) == []


def test_truncated_member_is_refused_and_nothing_stays(parent: Path) -> None:
    """The header promises more bytes than the stream holds: the copy stops, the folder goes."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for info, data in (_file("first.txt"), _file("cut.bin", os.urandom(40_000))):
            archive.addfile(info, io.BytesIO(data or b""))
    truncated = io.BytesIO(gzip.compress(raw.getvalue()[:20_000]))
    with pytest.raises(BadRequest, match=r"not a readable tar.gz archive"):
        unpack_archive(truncated, LIMITS, parent)
    assert _leftovers(parent) == []


def test_gzip_bomb_is_stopped_by_the_unpacked_limit(parent: Path) -> None:
    bomb = _archive(_file("zeros.bin", b"\0" * 5_000_000))
    assert len(bomb.getvalue()) < LIMITS.max_upload_bytes // 100
    with pytest.raises(PayloadTooLarge, match=r"'zeros.bin' refused"):
        unpack_archive(bomb, LIMITS, parent)
    assert _leftovers(parent) == []


# mtime=0 and ids: parameters must be identical in every xdist worker's collection.
@pytest.mark.parametrize("payload", [b"not an archive at all", gzip.compress(b"gzip but not tar" * 100, mtime=0), b""],
                         ids=["text", "gzip-not-tar", "empty"])
def test_garbage_is_a_bad_request(parent: Path, payload: bytes) -> None:
    with pytest.raises(BadRequest, match=r"not a readable tar.gz archive|archive is empty"):
        unpack_archive(io.BytesIO(payload), LIMITS, parent)
    assert _leftovers(parent) == []


def test_file_over_folder_is_refused(parent: Path) -> None:
    folder_info = tarfile.TarInfo("x")
    folder_info.type = tarfile.DIRTYPE
    with pytest.raises(BadRequest, match=r"'x' refused: a file has the same path as a folder"):
        unpack_archive(_archive((folder_info, None), _file("x")), LIMITS, parent)
