"""Every page of the UI in headless Chromium against a real `hydro up` with the demo's models and
monitored traffic: content on screen, layout at 1280x800 and 400 px, no console error, screenshots
in test-output/ui/."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from controller.demo.models import FEATURES
from tests.controller.ui.conftest import BATCH_SIZE, SCREENSHOTS, Platform
from tests.controller.ui.support import (
    console_errors,
    css,
    no_horizontal_overflow,
    screenshot,
    text_appears,
    viewport,
    wait,
)

pytestmark = pytest.mark.slow
XSS = '<img src=x onerror="window.__xss=1">'


def show(browser: Any, platform: Platform, name: str, path: str, ready: Callable[[Any], Any]) -> None:
    """Open `path`, wait for `ready` at 1280x800 and at 400 px wide, screenshot both; no console error."""
    console_errors(browser)
    viewport(browser, 1280)
    browser.get(platform.url + path)
    settle(browser, name, ready)
    screenshot(browser, SCREENSHOTS, f"{name}-1280")
    viewport(browser, 400)
    time.sleep(0.3)
    settle(browser, name, ready)
    assert no_horizontal_overflow(browser), f"{path} scrolls sideways at 400 px"
    screenshot(browser, SCREENSHOTS, f"{name}-400")
    viewport(browser, 1280)
    assert console_errors(browser) == []


def settle(browser: Any, name: str, ready: Callable[[Any], Any]) -> None:
    """`ready(browser)`; when it times out, the screen and the page's text go with the failure."""
    try:
        ready(browser)
    except TimeoutException:
        path = screenshot(browser, SCREENSHOTS, f"{name}-failed")
        text = browser.find_element(By.TAG_NAME, "main").text
        raise AssertionError(f"{name} did not get ready (screenshot {path}); the page says:\n{text}") from None


def rows(browser: Any, selector: str = "#app tbody tr") -> list[str]:
    return [row.text for row in browser.find_elements(By.CSS_SELECTOR, selector)]




def test_overview_shows_applications_versions_and_counts(browser: Any, platform: Platform) -> None:
    def ready(driver: Any) -> None:
        css(driver, 'a[href="/ui/applications/wine"]')
        text_appears(driver, "Firing alerts")
    show(browser, platform, "overview", "/ui/", ready)
    cards = browser.find_element(By.CSS_SELECTOR, ".cards").text
    assert "Model versions" in cards and "Applications" in cards and "Servables" in cards
    assert "wine-scaler:1" in browser.find_element(By.ID, "app").text


def test_models_page_lists_each_model_with_its_versions(browser: Any, platform: Platform) -> None:
    show(browser, platform, "models", "/ui/models", lambda d: css(d, "#model-wine-classifier tbody tr"))
    classifier = rows(browser, "#model-wine-classifier tbody tr")
    assert [r.split()[0] for r in classifier] == ["v2", "v1"]
    assert all("Released" in r and "wine" in r for r in classifier)


def test_version_page_shows_build_log_contract_and_where_it_is_used(browser: Any, platform: Platform) -> None:
    def ready(driver: Any) -> None:
        wait(driver, lambda d: "nothing to build" in d.find_element(By.ID, "build-log").text)
        text_appears(driver, "wine-scaler-1")
    show(browser, platform, "version", "/ui/models/wine-scaler/1", ready)
    text = browser.find_element(By.ID, "app").text
    assert "Released" in text and "Applications: wine" in text
    assert all(feature in text for feature in FEATURES)


def test_configurations_page_creates_shows_and_deletes(browser: Any, platform: Platform) -> None:
    show(browser, platform, "configurations", "/ui/deployment-configurations",
         lambda d: css(d, "#app button.primary"))
    browser.find_element(By.XPATH, "//button[text()='New configuration']").click()
    box = css(browser, "dialog[open] textarea")
    box.clear()
    box.send_keys(json.dumps({"name": "ui-small", "hpa": {"minReplicas": 1, "maxReplicas": 2}}))
    browser.find_element(By.XPATH, "//dialog[@open]//button[text()='Create']").click()
    text_appears(browser, "hpa 1\u20132")
    browser.find_element(By.XPATH, "//td[strong[text()='ui-small']]").click()
    browser.find_element(By.XPATH, "//section//button[text()='Delete']").click()
    wait(browser, lambda d: "ui-small" not in d.find_element(By.ID, "app").text)
    assert console_errors(browser) == []


def test_application_form_creates_an_application_and_delete_removes_it(browser: Any, platform: Platform) -> None:
    show(browser, platform, "application-new", "/ui/applications/new", lambda d: css(d, "#application-form select"))
    browser.find_element(By.CSS_SELECTOR, "#application-form input").send_keys("wine-solo")
    Select(browser.find_element(By.CSS_SELECTOR, "[data-stage='1'] select")).select_by_visible_text("wine-classifier:2")
    browser.find_element(By.CSS_SELECTOR, "#application-form button[type=submit]").click()
    wait(browser, lambda d: d.current_url.endswith("/ui/applications/wine-solo"))
    css(browser, '[data-variant="wine-classifier:2"]')
    assert platform.get("/api/v2/application/wine-solo")["executionGraph"]["stages"][0]["modelVariants"][0][
        "modelVersionId"] == platform.versions["wine-classifier:2"]
    browser.find_element(By.XPATH, "//button[text()='Delete']").click()
    css(browser, "dialog[open] button.danger").click()
    wait(browser, lambda d: d.current_url.endswith("/ui/applications"))
    assert requests.get(f"{platform.url}/api/v2/application/wine-solo", timeout=10).status_code == 404
    assert console_errors(browser) == []


def test_engine_page_shows_services_replicas_and_servables(browser: Any, platform: Platform) -> None:
    show(browser, platform, "engine", "/ui/engine", lambda d: text_appears(d, "mv-wine-scaler-1"))
    text = browser.find_element(By.ID, "app").text
    assert "Cold starts" in text and "wine-classifier-2" in text and "fn-monitoring" in text


def test_alerts_page_reads_the_alerts_function(browser: Any, platform: Platform) -> None:
    show(browser, platform, "alerts", "/ui/alerts", lambda d: text_appears(d, "alert"))
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-unavailable]")


def test_projection_page_names_the_missing_projector_or_draws_the_map(browser: Any, monitored: Platform) -> None:
    platform = monitored  # with monitored traffic, so there are requests to draw on the map
    # The first projection fits UMAP (and compiles numba's kernels): tens of seconds on a busy machine.
    show(browser, platform, "projection", "/ui/models/wine-scaler/1/projection",
         lambda d: css(d, "[data-unavailable], #app canvas", timeout=240))
    notices = browser.find_elements(By.CSS_SELECTOR, "[data-unavailable]")
    if notices:
        assert notices[0].get_attribute("data-unavailable") == "projector"
        assert "projector function" in notices[0].text


def test_pages_update_live_and_show_api_text_as_text(browser: Any, platform: Platform) -> None:
    browser.get(platform.url + "/ui/models")
    css(browser, "#model-wine-scaler")
    browser.execute_script("window.__samePage = true;")
    signature = {"signatureName": "predict",
                 "inputs": [{"name": "x", "profile": "NUMERICAL", "shape": {"dims": []}, "dtype": "DT_DOUBLE"}],
                 "outputs": [{"name": "y", "profile": "NUMERICAL", "shape": {"dims": []}, "dtype": "DT_DOUBLE"}]}
    requests.post(f"{platform.url}/api/v2/externalmodel", timeout=10,
                  json={"name": "ui-live", "signature": signature, "metadata": {"note": XSS}}).raise_for_status()
    css(browser, "#model-ui-live", timeout=10)
    assert browser.execute_script("return window.__samePage === true")
    browser.get(platform.url + "/ui/models/ui-live/1")
    text_appears(browser, XSS)
    assert not browser.find_elements(By.CSS_SELECTOR, 'img[src="x"]')
    assert browser.execute_script("return window.__xss === undefined")
    assert console_errors(browser) == []


def test_applications_page_lists_the_pipeline(browser: Any, served: Platform) -> None:
    platform = served
    show(browser, platform, "applications", "/ui/applications", lambda d: text_appears(d, "Ready"))
    assert any("wine-scaler:1 → wine-classifier:1 (80%) | wine-classifier:2 (20%)" in r for r in rows(browser))


def test_application_page_draws_stages_and_the_test_dialog_predicts(browser: Any, served: Platform) -> None:
    platform = served
    show(browser, platform, "application", "/ui/applications/wine", lambda d: css(d, '[data-stage="2"]'))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".stage")) == 2
    assert "80%" in browser.find_element(By.CSS_SELECTOR, '[data-variant="wine-classifier:1"]').text
    browser.find_element(By.ID, "test-button").click()
    inputs = wait(browser, lambda d: d.find_element(By.ID, "test-input").get_attribute("value"))
    assert set(json.loads(inputs)) == set(FEATURES)
    browser.find_element(By.ID, "test-send").click()
    answer = css(browser, '#test-answer[data-status="200"]', timeout=60)
    assert answer.find_element(By.CSS_SELECTOR, '[data-output="class"]').text in {"0", "1", "2"}
    assert "served by wine-scaler:1, wine-classifier:" in answer.text
    code = browser.find_element(By.CSS_SELECTOR, "#test-dialog [data-code] pre").text
    assert code.startswith(f"curl -X POST '{platform.url}/gateway/application/wine'")
    screenshot(browser, SCREENSHOTS, "test-dialog-1280")
    snippets = (("Python (requests)", "requests.post("), ("Python (hydrosdk)", 'Application.find(cluster, "wine")'))
    for tab, expected in snippets:
        browser.find_element(By.LINK_TEXT, tab).click()
        wait(browser, lambda d, e=expected: e in d.find_element(By.CSS_SELECTOR, "#test-dialog [data-code] pre").text)
    viewport(browser, 400)
    screenshot(browser, SCREENSHOTS, "test-dialog-400")
    viewport(browser, 1280)
    assert console_errors(browser) == []


def test_test_dialog_shows_the_gateways_error_naming_the_field(browser: Any, served: Platform) -> None:
    platform = served
    browser.get(platform.url + "/ui/applications/wine")
    css(browser, "#test-button").click()
    box = css(browser, "#test-input")
    wait(browser, lambda d: box.get_attribute("value"))
    box.clear()
    box.send_keys('{"alcohol": "strong"}')
    browser.find_element(By.ID, "test-send").click()
    answer = css(browser, '#test-answer[data-status="400"]', timeout=30)
    assert "alcohol" in answer.text
    console_errors(browser)  # the browser logs the gateway's 400 itself: expected here


def test_monitoring_page_draws_rates_checks_and_opens_a_request(browser: Any, monitored: Platform) -> None:
    platform = monitored
    def ready(driver: Any) -> None:
        css(driver, "#summary")
        css(driver, ".heatmap button.hm-cell")
    show(browser, platform, "monitoring", "/ui/models/wine-scaler/1/monitoring", ready)
    requests_card = browser.find_element(By.CSS_SELECTOR, "#summary .card .value").text
    assert int(requests_card) >= platform.sent  # the Test dialog's requests count too
    assert len(browser.find_elements(By.CSS_SELECTOR, "#app canvas")) >= 3
    browser.find_elements(By.CSS_SELECTOR, "#app tbody tr.clickable")[0].click()
    dialog = css(browser, "#request-dialog")
    wait(browser, lambda d: dialog.find_elements(By.CSS_SELECTOR, "[data-unavailable], #explanation, button"))
    assert "checks against training" in dialog.text and "alcohol" in dialog.text
    screenshot(browser, SCREENSHOTS, "monitoring-request-1280")
    dialog.find_element(By.CSS_SELECTOR, "button.close").click()
    browser.find_element(By.CSS_SELECTOR, '.heatmap button.hm-cell[data-column="1"]').click()
    text_appears(browser, "Requests of batch 1")
    # The heading shows at once; the batch's rows arrive with their own request.
    wait(browser, lambda d: len(rows(d)) == BATCH_SIZE or None)
    assert console_errors(browser) == []


def test_profiles_page_compares_training_and_production(browser: Any, monitored: Platform) -> None:
    platform = monitored
    def ready(driver: Any) -> None:
        css(driver, "[data-profile] canvas")
        text_appears(driver, "median")
    show(browser, platform, "profiles", "/ui/models/wine-scaler/1/profiles", ready)
    fields = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".fieldlist button")]
    assert set(FEATURES) <= set(fields)
    browser.find_element(By.XPATH, "//div[@class='fieldlist']/button[text()='alcohol']").click()
    css(browser, '[data-profile="alcohol"] canvas')


def test_drift_page_shows_the_verdict_and_each_feature(browser: Any, monitored: Platform) -> None:
    platform = monitored
    def ready(driver: Any) -> None:
        # Batches trigger a report once a window of 100 requests is full; fewer were sent: ask for one.
        shown = css(driver, "#drift-verdict, #compute-drift")
        if shown.get_attribute("id") == "compute-drift":
            shown.click()
        css(driver, "#drift-verdict", timeout=45)
        css(driver, "#app canvas")
    show(browser, platform, "drift", "/ui/models/wine-scaler/1/drift", ready)
    verdict = browser.find_element(By.ID, "drift-verdict").text
    assert verdict.startswith(("Drift detected", "No drift"))
    features = [r.split()[0] for r in rows(browser)]
    assert set(features) == set(FEATURES)
