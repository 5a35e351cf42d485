"""Browser helpers for the UI tests: viewport, waiting, console errors and screenshots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

WIDTHS = (1280, 400)
HEIGHT = 800


def viewport(driver: Any, width: int, height: int = HEIGHT) -> None:
    """The page's CSS viewport exactly (window size would include the browser's own chrome)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def wait(driver: Any, condition: Callable[[Any], Any], timeout: float = 30) -> Any:
    return WebDriverWait(driver, timeout, ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def css(driver: Any, selector: str, timeout: float = 30) -> WebElement:
    """The first element matching `selector` once it is displayed."""
    def found(d: Any) -> WebElement | None:
        elements = [e for e in d.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()]
        return elements[0] if elements else None
    return wait(driver, found, timeout)


def text_appears(driver: Any, text: str, timeout: float = 30, selector: str = "#app") -> str:
    """Waits until `selector`'s text contains `text`; returns the whole text."""
    return wait(driver, lambda d: (t := d.find_element(By.CSS_SELECTOR, selector).text) and text in t and t, timeout)


def console_errors(driver: Any) -> list[str]:
    """Console entries of level SEVERE since the last call (the browser's log is drained)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver: Any, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def no_horizontal_overflow(driver: Any) -> bool:
    """The page itself does not scroll sideways (wide tables scroll inside their own box)."""
    return bool(driver.execute_script(
        "return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1"))
