"""Fixtures for the UI tests: a real `hydro up` holding the demo's wine models with monitored
traffic, and a headless Chromium driven by Selenium.

The platform runs once per session (`hydro up`, which serves the UI). Its models get a batch
size of 20, so the traffic sent here completes
batches within seconds. Tests that need no traffic run first, while the runtimes start.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from controller.demo.models import FEATURES, load_data, write_models
from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "test-output" / "ui"
BATCH_SIZE = 20
TRAFFIC = BATCH_SIZE
"""Requests of each kind (held out, drifted): one batch each for the first stage."""
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


@dataclass
class Platform:
    url: str
    home: Path
    versions: dict[str, int] = field(default_factory=dict)
    """`name:version` -> model version id."""
    sent: int = 0
    monitoring: str | None = None
    """After `wait_for_monitoring`: empty when monitoring holds the traffic, otherwise what is missing."""

    def get(self, path: str, **kwargs: Any) -> Any:
        response = requests.get(f"{self.url}{path}", timeout=30, **kwargs)
        response.raise_for_status()
        return response.json()

    def send_traffic(self) -> None:
        """Once the application is Ready: a batch of the demo's held-out rows, then a batch drifted."""
        if self.sent:
            return
        wait_for(lambda: self.get("/api/v2/application/wine")["status"] == "Ready", 90, "application wine")
        data = load_data()
        with requests.Session() as session:
            for rows in (data.traffic_x[:TRAFFIC], data.drifted_x[:TRAFFIC]):
                for row in rows:
                    body = {name: float(value) for name, value in zip(FEATURES, row, strict=True)}
                    session.post(f"{self.url}/gateway/application/wine", json=body, timeout=60).raise_for_status()
                    self.sent += 1

    def wait_for_monitoring(self) -> str:
        """Waits (once) for the monitoring function to hold the traffic of the first stage."""
        if self.monitoring is None:
            self.send_traffic()
            scaler = self.versions["wine-scaler:1"]
            try:
                wait_for(lambda: self.get(f"/ui/reads/monitoring/summary/{scaler}")["body"]["requests"] >= self.sent,
                         60, "the monitoring function to record the traffic")
                self.monitoring = ""
            except TimeoutError as error:
                self.monitoring = str(error)
        return self.monitoring


def wait_for(condition: Callable[[], Any], timeout: float, what: str, every: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except (requests.RequestException, KeyError, ValueError, TypeError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def _write_demo(folder: Path) -> list[Path]:
    """The demo's models with small monitoring batches, and its application file. Only the first
    stage keeps its training data: one profile and outlier detector is all the monitoring pages
    need, and each detector costs a training run and a runtime on this small machine."""
    folders = write_models(folder, load_data())
    for model in folders:
        document = yaml.safe_load((model / "serving.yaml").read_text())
        document["monitoring-configuration"] = {"batch-size": BATCH_SIZE}
        if document["name"] != "wine-scaler":
            document.pop("training-data")
        (model / "serving.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return [*folders, folder / "application.yaml"]


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """`hydro up` with the demo's models and application applied (runtimes still starting)."""
    home = tmp_path_factory.mktemp("ui-platform")
    url = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "HYDRO_IDLE_WINDOW_SECONDS": "900"}  # no scale to zero (and cold start) mid-test
    log = (home / "hydro-up.log").open("wb")
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "hydro"), "up", "--home", str(home / "state"),
         "--http-port", url.rsplit(":", 1)[1], "--grpc-port", str(free_port())],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    platform = Platform(url, home)
    try:
        wait_for(lambda: process.poll() is None and requests.get(f"{url}/health", timeout=2).ok, 90, "hydro up")
        hydro = str(Path(sys.executable).parent / "hydro")
        targets = [str(path) for path in _write_demo(home / "models")]
        subprocess.run([hydro, "--server", url, "apply", *(a for t in targets for a in ("-f", t))],
                       check=True, capture_output=True, timeout=180)
        platform.versions = {f"{v['model']['name']}:{v['modelVersion']}": v["id"]
                             for v in platform.get("/api/v2/model/version")}
        yield platform
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def served(platform: Platform) -> Platform:
    """The platform once its application is Ready and has served the demo's traffic."""
    platform.send_traffic()
    return platform


@pytest.fixture
def monitored(platform: Platform) -> Platform:
    """The platform once the monitoring function has recorded the traffic."""
    missing = platform.wait_for_monitoring()
    assert not missing, f"the monitoring function is not ready: {missing}"
    return platform


def _first(paths: tuple[str, ...]) -> str | None:
    return next((p for p in paths if Path(p).exists()), None) or shutil.which(Path(paths[0]).name)


def start_chrome() -> Any:
    """Headless Chromium (Debian's `chromium` + `chromium-driver`) keeping its console log;
    skipped locally when it is not installed, a failure under CI."""
    chromium, driver_path = _first(CHROMIUM), _first(CHROMEDRIVER)
    if chromium is None or driver_path is None:
        message = "Chromium and chromedriver are needed: apt-get install -y chromium chromium-driver"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,800", "--lang=en-US"):
        options.add_argument(argument)
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="session")
def browser(platform: Platform) -> Iterator[Any]:
    """The browser for the platform's pages (closed before the platform stops)."""
    driver = start_chrome()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()
