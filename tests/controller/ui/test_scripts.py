"""The UI's JavaScript helpers, run in headless Chromium as the pages load them (ES modules from
/ui/static over a live controller with an empty catalog)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from controller.api.app import create_app, open_catalog
from controller.ui import blueprint
from tests.controller.api.support import make_settings, serve
from tests.controller.ui.conftest import start_chrome
from tests.controller.ui.support import console_errors, css

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    settings = make_settings(Path(tmp_path_factory.mktemp("ui-scripts")) / "home")
    catalog = open_catalog(settings)
    app = create_app(settings, catalog)
    if "ui" not in app.blueprints:
        app.register_blueprint(blueprint)
    for live in serve(app):
        driver = start_chrome()
        driver.get(f"{live.url}/ui/")
        css(driver, "#app .empty")  # an empty catalog: the getting-started state
        yield driver
        assert console_errors(driver) == []
        driver.quit()
    catalog.database.dispose()


def run(page: Any, module: str, expression: str) -> Any:
    """`expression` evaluated with the module `/ui/static/js/<module>` imported as `m`."""
    script = f"""
        const done = arguments[arguments.length - 1];
        import("/ui/static/js/{module}").then((m) => JSON.stringify({expression}))
            .then(done, (error) => done(JSON.stringify({{error: String(error)}})));
    """
    result = json.loads(page.execute_async_script(script))
    assert not (isinstance(result, dict) and "error" in result), result
    return result


def test_the_empty_overview_says_how_to_start(page: Any) -> None:
    text = page.find_element("css selector", "#app").text
    assert "No models yet" in text and "hydro apply -f serving.yaml" in text


def test_shell_quoting_survives_single_quotes(page: Any) -> None:
    assert run(page, "snippets.js", "m.shellQuote(\"it's\")") == "'it'\\''s'"


def test_python_literals_translate_json_values(page: Any) -> None:
    value = {"a": True, "b": None, "c": [1, "x"], "d": {"e": 1.5}}
    literal = run(page, "snippets.js", f"m.pythonLiteral({json.dumps(value)})")
    assert literal == '{\n    "a": True,\n    "b": None,\n    "c": [1, "x"],\n    "d": {\n        "e": 1.5,\n    },\n}'
    assert eval(literal) == value  # the snippet must be valid Python for the same value


def test_snippets_call_the_gateway_with_the_inputs(page: Any) -> None:
    curl, python, sdk = run(page, "snippets.js", """[
        m.curlSnippet("http://h:8080", "my app", {"x": "o'k"}),
        m.requestsSnippet("http://h:8080", "wine", {"x": 1}),
        m.hydrosdkSnippet("http://h:8080", "h:9090", "wine", {"x": 1})]""")
    assert curl == ("curl -X POST 'http://h:8080/gateway/application/my%20app' \\\n"
                    "  -H 'Content-Type: application/json' \\\n  -d '{\"x\":\"o'\\''k\"}'")
    assert 'requests.post("http://h:8080/gateway/application/wine", json=inputs, timeout=30)' in python
    assert 'Cluster("http://h:8080", grpc_address="h:9090")' in sdk and "app.predictor().predict(inputs)" in sdk


def test_density_points_keep_values_outside_the_training_range(page: Any) -> None:
    points = run(page, "charts.js", "m.densityPoints([0, 1, 2], [1, 2, 0, 1])")
    # 4 values: 1 below 0, 2 in [0, 1), none in [1, 2), 1 above 2 -> bins of width 1 on each side
    assert points == [{"x": -1, "y": 0.25}, {"x": 0, "y": 0.5}, {"x": 1, "y": 0}, {"x": 2, "y": 0.25},
                      {"x": 3, "y": 0.25}]


def test_failure_colours_run_from_green_to_red(page: Any) -> None:
    colours = run(page, "charts.js", "[m.failureColor(0), m.failureColor(1)]")
    assert colours == ["hsl(120, 62%, 78%)", "hsl(0, 62%, 48%)"]


def test_request_rates_are_bucketed_with_empty_buckets_as_zeros(page: Any) -> None:
    docs = [{"_hs_timestamp": t, "_hs_error": e, "_hs_checks_failed": c}
            for t, e, c in ((0, None, False), (500, "boom", True), (3000, None, True))]
    given = json.dumps(docs)
    width, rates = run(page, "pages/monitoring.js", f"[m.bucketWidth({given}), m.rateSeries({given}, 1000)]")
    assert width == 1000
    assert [(r["x"], r["requests"], r["failures"], r["checks"]) for r in rates] == [
        (0, 2, 1, 1), (1000, 0, 0, 0), (2000, 0, 0, 0), (3000, 1, 0, 1)]


def test_the_application_form_finds_what_the_api_would_refuse(page: Any) -> None:
    problems = run(page, "pages/application_form.js", """m.validate("Bad Name", [
        {variants: [{versionId: 1, weight: 80}, {versionId: "", weight: 10}]}])""")
    assert problems == [
        "The name must be lowercase letters, digits, '-', '_' or '.', starting and ending with a letter or digit.",
        "Stage 1: choose a model version for every variant.", "Stage 1: the weights add up to 90, not 100."]
    body = run(page, "pages/application_form.js",
               'm.applicationBody("app", [{variants: [{versionId: "3", weight: "100", config: ""}]}], null)')
    assert body == {"name": "app", "kafkaStreaming": [], "metadata": {}, "executionGraph": {"stages": [
        {"modelVariants": [{"modelVersionId": 3, "weight": 100, "deploymentConfigName": None}]}]}}


def test_pipelines_are_summarised_in_one_line(page: Any) -> None:
    app = {"executionGraph": {"stages": [
        {"modelVariants": [{"modelName": "a", "modelVersion": 1, "weight": 100}]},
        {"modelVariants": [{"modelName": "b", "modelVersion": 1, "weight": 90},
                           {"modelName": "b", "modelVersion": 2, "weight": 10}]}]}}
    assert run(page, "pages/applications.js", f"m.pipelineText({json.dumps(app)})") == "a:1 → b:1 (90%) | b:2 (10%)"


def test_configurations_are_summarised(page: Any) -> None:
    config = {"name": "c", "hpa": {"minReplicas": 1, "maxReplicas": 4, "cpuUtilization": 70},
              "deployment": {"replicaCount": 2}, "container": {"resources": {"limits": {"cpu": "2"}}}}
    assert run(page, "pages/configurations.js", f"m.configSummary({json.dumps(config)})") == \
        "hpa 1\u20134 @70% cpu \u00b7 2 replicas \u00b7 limits cpu 2"


def test_projection_points_are_grouped_by_class_outlier_or_metric(page: Any) -> None:
    points = [{"requestId": str(i), "x": i, "y": i, "prediction": i % 2, "outlier": i == 3, "metrics": {"m": i}}
              for i in range(4)]
    by_class, by_outlier, by_metric = run(page, "pages/projection.js", f"""[
        m.groupPoints({json.dumps(points)}, "class").map((g) => [g.label, g.points.length]),
        m.groupPoints({json.dumps(points)}, "outlier").map((g) => [g.label, g.points.length]),
        m.groupPoints({json.dumps(points)}, "metric:m").map((g) => g.points.length)]""")
    assert by_class == [["0", 2], ["1", 2]]
    assert by_outlier == [["normal", 3], ["outlier", 1]]
    assert sum(by_metric) == 4 and len(by_metric) >= 2


def test_numbers_are_formatted_for_people(page: Any) -> None:
    assert run(page, "core.js", "[m.fmtNum(1234567), m.fmtNum(0.000012346), m.fmtNum(3.14159), m.fmtPct(0.1234),"
                                " m.fmtMs(0.5), m.fmtMs(1500), m.fmtNum(null)]") == \
        ["1,234,567", "1.235e-5", "3.142", "12.3%", "0.5 ms", "1.50 s", "\u2013"]
