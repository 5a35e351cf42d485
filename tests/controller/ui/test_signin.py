"""Signing in to the UI in headless Chromium against a real controller with authentication on:
the token form on 401, the HttpOnly cookie, live events signed in, and signing out."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from werkzeug.serving import make_server

from controller.api.app import create_app
from controller.settings import AuthSettings, ControllerSettings
from protos.auth import mint
from tests.controller.ui.conftest import start_chrome
from tests.controller.ui.support import css, wait

pytestmark = pytest.mark.slow


class _NoBuilds:
    def submit(self, version_id: int) -> object:
        return None


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    admin = str(mint())
    home = Path(tmp_path_factory.mktemp("signin"))
    app = create_app(ControllerSettings(home=home, auth=AuthSettings(True, admin)), builds=_NoBuilds())
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", admin
    server.shutdown()


@pytest.fixture(scope="module")
def chrome() -> Iterator[Any]:
    driver = start_chrome()
    yield driver
    driver.quit()


def test_sign_in_then_out(chrome: Any, controller: tuple[str, str]) -> None:
    url, admin = controller
    chrome.get(f"{url}/ui/models")
    field = css(chrome, "form.signin input#token")
    field.send_keys(str(mint()))
    chrome.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()
    wait(chrome, lambda d: "unknown, revoked" in d.find_element(By.CSS_SELECTOR, "form.signin").text)
    field.clear()
    field.send_keys(admin)
    chrome.find_element(By.CSS_SELECTOR, "form.signin button[type=submit]").click()
    css(chrome, "#auth button.signout")
    wait(chrome, lambda d: d.find_element(By.ID, "live").text == "live")  # EventSource signed in by the cookie
    cookie = chrome.get_cookie("hydro_session")
    assert cookie is not None and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert chrome.execute_script("return document.cookie") == ""  # scripts never see the token
    assert chrome.find_elements(By.CSS_SELECTOR, "form.signin") == []
    chrome.find_element(By.CSS_SELECTOR, "#auth button.signout").click()
    css(chrome, "form.signin input#token")
    assert chrome.get_cookie("hydro_session") is None
