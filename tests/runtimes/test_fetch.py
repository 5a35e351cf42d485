from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from minio import Minio

from runtimes.errors import ArtifactError
from runtimes.fetch import check_member, extract_archive, fetch_model
from runtimes.settings import S3Settings
from tests.runtimes.conftest import put_object as put

NO_S3 = S3Settings()


def make_archive(path: Path, members: list[tarfile.TarInfo], data: bytes = b"content") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for member in members:
            if member.isfile():
                member.size = len(data)
                tar.addfile(member, io.BytesIO(data))
            else:
                tar.addfile(member)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        (member("/etc/passwd"), "absolute path"),
        (member("../escape.txt"), "'..' component"),
        (member("model/../../escape.txt"), "'..' component"),
        (member("link", tarfile.SYMTYPE, "model.json"), "is a link"),
        (member("hard", tarfile.LNKTYPE, "model.json"), "is a link"),
        (member("dev", tarfile.CHRTYPE), "device"),
        (member("fifo", tarfile.FIFOTYPE), "device, FIFO"),
    ],
)
def test_unsafe_members_are_refused_before_anything_is_written(tmp_path: Path, bad: tarfile.TarInfo,
                                                               problem: str) -> None:
    archive = make_archive(tmp_path / "model.tar.gz", [member("model.json"), bad])
    dest = tmp_path / "out"
    with pytest.raises(ArtifactError, match=problem):
        extract_archive(archive, dest)
    assert not (dest / "model.json").exists()


def test_safe_archive_is_extracted(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "m.tgz", [member("files", tarfile.DIRTYPE), member("files/a.txt")])
    extract_archive(archive, tmp_path / "out")
    assert (tmp_path / "out" / "files" / "a.txt").read_bytes() == b"content"


def test_check_member_accepts_plain_files() -> None:
    check_member(member("files/src/func_main.py"))


def test_local_folder_is_used_in_place(tmp_path: Path) -> None:
    assert fetch_model(str(tmp_path), None, NO_S3) == tmp_path
    assert fetch_model(tmp_path.as_uri(), None, NO_S3) == tmp_path


def test_file_archive_is_unpacked_into_the_cache_once(tmp_path: Path) -> None:
    archive = make_archive(tmp_path / "m.tar.gz", [member("model.json")])
    cache = tmp_path / "cache"
    first = fetch_model(archive.as_uri(), cache, NO_S3)
    assert first.parent == cache and (first / "model.json").read_bytes() == b"content"
    assert fetch_model(archive.as_uri(), cache, NO_S3) == first
    assert [p.name for p in cache.iterdir()] == [first.name]  # no partial download left behind


@pytest.mark.parametrize("uri", ["http://example.com/m.tar.gz", "file://otherhost/m", "/does/not/exist"])
def test_unusable_uris(uri: str) -> None:
    with pytest.raises(ArtifactError):
        fetch_model(uri, None, NO_S3)


def test_s3_needs_an_endpoint() -> None:
    with pytest.raises(ArtifactError, match="HYDRO_S3_ENDPOINT is not set"):
        fetch_model("s3://models/iris.tar.gz", None, NO_S3)


def test_s3_prefix_downloads_every_object(tmp_path: Path, s3: tuple[Minio, S3Settings]) -> None:
    client, settings = s3
    put(client, "iris/v1/model.json", b"{}")
    put(client, "iris/v1/files/src/func_main.py", b"def predict(): pass\n")
    folder = fetch_model("s3://models/iris/v1", tmp_path, settings)
    assert (folder / "model.json").read_bytes() == b"{}"
    assert (folder / "files" / "src" / "func_main.py").is_file()


def test_s3_archive_is_unpacked(tmp_path: Path, s3: tuple[Minio, S3Settings]) -> None:
    client, settings = s3
    archive = make_archive(tmp_path / "m.tar.gz", [member("model.json")])
    put(client, "iris/v2.tar.gz", archive.read_bytes())
    folder = fetch_model("s3://models/iris/v2.tar.gz", tmp_path / "cache", settings)
    assert (folder / "model.json").read_bytes() == b"content"
    assert not (folder / ".download").exists()


def test_s3_empty_prefix_and_missing_object(tmp_path: Path, s3: tuple[Minio, S3Settings]) -> None:
    _, settings = s3
    with pytest.raises(ArtifactError, match="no objects under"):
        fetch_model("s3://models/absent", tmp_path / "a", settings)
    with pytest.raises(ArtifactError, match="download failed"):
        fetch_model("s3://models/absent.tar.gz", tmp_path / "b", settings)
