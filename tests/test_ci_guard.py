"""The CI guard in tests/conftest.py: a skipped PostgreSQL/Redis test fails the run under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]
SUITE_CONFTEST = Path(__file__).with_name("conftest.py").read_text()
SKIPPING_TESTS = """
import pytest

@pytest.mark.postgres
def test_needs_postgres():
    pytest.skip("PostgreSQL is not reachable")

def test_plain():
    assert True
"""


def _run(pytester: pytest.Pytester, ci: str | None) -> pytest.RunResult:
    pytester.makeconftest(SUITE_CONFTEST)
    pytester.makeini("[pytest]\nmarkers =\n    postgres: x\n    redis: x\n")
    pytester.makepyfile(SKIPPING_TESTS)
    env_ci = {"CI": ci} if ci is not None else {}
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("CI", raising=False)
        for key, value in env_ci.items():
            patch.setenv(key, value)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_skipped_service_test_fails_ci(pytester: pytest.Pytester) -> None:
    result = _run(pytester, "true")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 test(s) needing PostgreSQL/Redis were skipped*", "*test_needs_postgres*"])


def test_skipped_service_test_is_only_a_skip_locally(pytester: pytest.Pytester) -> None:
    result = _run(pytester, None)
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1)
