"""Transport-free parts: worker environments, status reporting, verified revisions, log files."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from controller.errors import InvalidResource
from controller.local.engine import ApplicationStatus, EngineSettings, ProcessCommand, ServiceStatus
from controller.local.engine.environment import minimal_environment, worker_environment
from controller.local.engine.errors import ServiceUnavailable
from controller.local.engine.logs import ServiceLogs, ServiceLogWriter
from controller.local.engine.manifests import EnvSource, Scaling, ServiceSpec
from controller.local.engine.status import StatusReporter, application_status
from controller.local.engine.verified import VerifiedRevisions
from tests.controller.local.engine.support import RecordingSink


def spec(protocol: str = "h2c", env_from: tuple[EnvSource, ...] = ()) -> ServiceSpec:
    return ServiceSpec("mv-a-1", "hydro", "mv-a-1-abc", protocol, (), (("A", "container"), ("PORT", "1")),
                       env_from, Scaling(), {})


def test_the_base_environment_keeps_only_harmless_variables() -> None:
    source = {"PATH": "/bin", "HOME": "/root", "LANG": "C.UTF-8", "HYDRO_DATABASE_URL": "x", "AWS_SECRET": "y"}
    assert minimal_environment(source) == {"PATH": "/bin", "HOME": "/root", "LANG": "C.UTF-8"}


def test_worker_environment_precedence(tmp_path: Path) -> None:
    sources = {("secret", "s"): {"A": "secret", "B": "secret"}}
    env = worker_environment({"PATH": "/bin", "A": "base"}, ProcessCommand(("x",), {"A": "command", "C": "cmd"}),
                             spec(env_from=(EnvSource("secret", "s"),)), sources, 4242, tmp_path)
    # container env over envFrom over the command over the base; PORT is the engine's alone
    assert env == {"PATH": "/bin", "A": "container", "B": "secret", "C": "cmd", "PORT": "4242",
                   "HYDRO_MODEL_CACHE": str(tmp_path), "HYDRO_RUNTIME_HOST": "127.0.0.1"}


def test_a_missing_env_source_fails_the_start_unless_optional(tmp_path: Path) -> None:
    with pytest.raises(ServiceUnavailable, match="envFrom secret 'gone' does not exist"):
        worker_environment({}, ProcessCommand(("x",)), spec(env_from=(EnvSource("secret", "gone"),)), {}, 1,
                           tmp_path)
    env = worker_environment({}, ProcessCommand(("x",)), spec("http1", (EnvSource("secret", "gone", True),)), {}, 1,
                             tmp_path)
    assert "HYDRO_MODEL_CACHE" not in env


def test_the_sink_is_called_on_changes_only() -> None:
    sink = RecordingSink()
    reporter = StatusReporter(sink)
    pending = ServiceStatus("mv-a-1", {"l": "v"}, None, 0, "verifying")
    reporter.report([pending], [ApplicationStatus("a", None, "verifying")])
    reporter.report([pending], [ApplicationStatus("a", None, "verifying")])
    reporter.report([ServiceStatus("mv-a-1", {"l": "v"}, True, 1)], [ApplicationStatus("a", True)])
    assert [s.ready for s in sink.services] == [None, True]
    assert [a.ready for a in sink.applications] == [None, True]


def test_a_failing_sink_does_not_break_reporting() -> None:
    class Broken(RecordingSink):
        def service_status(self, status: ServiceStatus) -> None:
            raise RuntimeError("catalog down")

    sink = Broken()
    StatusReporter(sink).report([ServiceStatus("s", {}, True, 1)], [ApplicationStatus("a", True)])
    assert [a.name for a in sink.applications] == ["a"]


def test_an_application_fails_when_any_revision_failed() -> None:
    status = application_status("a", {"r-1": (True, ""), "r-2": (False, "exited with 1"), "r-3": (None, "")})
    assert status == ApplicationStatus("a", False, "r-2: exited with 1")
    assert application_status("a", {"r-1": (True, ""), "r-3": (None, "")}).ready is None
    assert application_status("a", {"r-1": (True, "")}).ready is True


def test_verified_revisions_persist(tmp_path: Path) -> None:
    store = VerifiedRevisions(tmp_path / "verified.json")
    store.add("mv-a-1-abc")
    store.add("mv-b-1-def")
    store.keep_only({"mv-a-1-abc"})
    again = VerifiedRevisions(tmp_path / "verified.json")
    assert "mv-a-1-abc" in again and "mv-b-1-def" not in again


def test_an_unreadable_verified_file_means_verify_again(tmp_path: Path) -> None:
    (tmp_path / "verified.json").write_text("{not json")
    assert "x" not in VerifiedRevisions(tmp_path / "verified.json")


def test_service_logs_read_and_follow(tmp_path: Path) -> None:
    writer = ServiceLogWriter(tmp_path / "mv-a-1.log")
    writer.write("mv-a-1-abc-1", "first")
    assert list(ServiceLogs(tmp_path).lines("mv-a-1")) == ["[mv-a-1-abc-1] first"]
    followed: list[str] = []

    def follow() -> None:
        for line in ServiceLogs(tmp_path).lines("mv-a-1", follow=True):
            followed.append(line)
            if len(followed) == 2:
                return

    reader = threading.Thread(target=follow)
    reader.start()
    time.sleep(0.1)
    writer.write("mv-a-1-abc-2", "second")
    reader.join(timeout=5)
    assert followed == ["[mv-a-1-abc-1] first", "[mv-a-1-abc-2] second"]
    writer.close()


def test_a_log_name_cannot_escape_the_logs_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not a DNS-1035 label"):
        list(ServiceLogs(tmp_path).lines("../etc/passwd"))


@pytest.mark.parametrize(("field", "value"), [("target_concurrency", 0), ("idle_window_seconds", -1),
                                              ("verification_concurrency", 0)])
def test_settings_are_validated(tmp_path: Path, field: str, value: float) -> None:
    with pytest.raises(InvalidResource) as caught:
        EngineSettings(tmp_path, tmp_path, **{field: value})  # type: ignore[arg-type]
    assert caught.value.path == field
