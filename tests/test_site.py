"""The sites: the learner's progress site and the public course site, built strict from real data,
offline, showing no hidden material, and right in a real browser (Chromium)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import threading
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import REPO

from swai import cli
from swai.catalog import Catalog
from swai.learner import LearnerRepo
from swai.report import Report
from swai.runner import grade_exercise
from swai.scaffold import scaffold
from swai.site.progress import SiteError, build_progress_site

# Under pytest-xdist (scripts/test.sh) this module's tests stay on one worker:
# the graded repository and built sites are module fixtures.
pytestmark = pytest.mark.xdist_group("site")

SCREENSHOTS = Path(os.environ.get("SWAI_ARTIFACTS", REPO / ".artifacts")) / "screenshots"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A learner repository with LRU solved and LFU still the stub, graded into reports/report.json."""
    from swai.catalog import load_catalog

    catalog = load_catalog(REPO)
    repo = tmp_path_factory.mktemp("learner")
    scaffold(catalog, repo, source="stub", stages=["stage2"], learner={"name": "Ada", "github": "ada"})
    learner = LearnerRepo.load(repo)
    project = learner.project_dir(catalog, "stage2")
    (lru,) = catalog.resolve("lru-cache")
    (lfu,) = catalog.resolve("lfu-cache")
    assert lru.exercise is not None and lfu.exercise is not None
    (project / "lru_cache.py").write_bytes((lru.exercise.reference / "lru_cache.py").read_bytes())
    report = Report(target="stage2", repo=str(repo))
    report.exercises = [grade_exercise(lru.exercise, project), grade_exercise(lfu.exercise, project)]
    report.write(repo / "reports" / "report.json")
    return repo, repo / "reports" / "report.json"


def build(catalog: Catalog, repo: Path, report: Path, out: Path, history: Path | None = None) -> Path:
    return build_progress_site(catalog, LearnerRepo.load(repo), report, history, out, out.parent / f"{out.name}-work")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" ,", ",").replace(" .", ".")


def test_pages_show_the_report(catalog: Catalog, graded: tuple[Path, Path], tmp_path: Path) -> None:
    repo, report_path = graded
    report = json.loads(report_path.read_text(encoding="utf-8"))
    site = build(catalog, repo, report_path, tmp_path / "site")
    index = (site / "index.html").read_text(encoding="utf-8")
    totals = report["totals"]
    assert f"{totals['points']:g} / {totals['max_points']:g} points" in text_of(index)
    assert totals["points"] == 19 and totals["max_points"] == 39
    # Ticked only by grading: LRU passed, LFU did not, the planned ones are open.
    checked = r'<input type="checkbox" disabled checked\s*/?>(?:<span[^>]*></span>)?(?:</label>)?\s*([^<\n]+)'
    ticked = re.findall(checked, index)
    assert [t.strip(" —") for t in ticked] == ["LRU Cache（HashMap + 双向链表）"], ticked
    lru = text_of((site / "exercises" / "stage2" / "lru-cache" / "index.html").read_text(encoding="utf-8"))
    assert "passed, 19 / 19 points" in lru and "Performance figures" in lru and "Latest failure" not in lru
    assert "at 8n / at n" in lru and "≤ 4" in lru, "the O(1) check's figure and its threshold are shown"
    lfu = text_of((site / "exercises" / "stage2" / "lfu-cache" / "index.html").read_text(encoding="utf-8"))
    assert "failed, 0 / 20 points" in lfu and "Latest failure messages" in lfu and "NotImplementedError" in lfu
    assert "Fault scenarios" in lfu and "unhashable" in lfu
    for page in site.rglob("*.html"):  # offline: no web fonts, no scripts from elsewhere
        html = page.read_text(encoding="utf-8")
        assert "fonts.googleapis" not in html and not re.search(r'<script[^>]+src="https?://', html), page


def test_history_grows_with_each_build(catalog: Catalog, graded: tuple[Path, Path], tmp_path: Path) -> None:
    repo, report_path = graded
    first = build(catalog, repo, report_path, tmp_path / "one")
    later = json.loads(report_path.read_text(encoding="utf-8")) | {"created_at": "2099-01-01T00:00:00+00:00"}
    (tmp_path / "later.json").write_text(json.dumps(later), encoding="utf-8")
    second = build(catalog, repo, tmp_path / "later.json", tmp_path / "two", history=first / "history.json")
    entries = json.loads((second / "history.json").read_text(encoding="utf-8"))["entries"]
    assert [e["created_at"] for e in entries] == [later_entry for later_entry in
                                                 sorted({entries[0]["created_at"], "2099-01-01T00:00:00+00:00"})]
    assert entries[-1]["stages"]["stage2"] == {"points": 19, "max_points": 39}
    assert (second / "history.svg").read_text(encoding="utf-8").count("<circle") == 2


def test_cli_and_clear_errors(graded: tuple[Path, Path], tmp_path: Path) -> None:
    repo, _ = graded
    result = CliRunner().invoke(cli.main, ["site", "build", "--repo", str(repo), "--out", str(tmp_path / "s")])
    assert result.exit_code == 0 and (tmp_path / "s" / "index.html").is_file(), result.output
    missing = CliRunner().invoke(cli.main, ["site", "build", "--repo", str(repo), "--report", str(tmp_path / "x")])
    assert missing.exit_code == cli.EXIT_USAGE and "grade first" in missing.output
    (tmp_path / "bad.json").write_text('{"exercises": 1}', encoding="utf-8")
    with pytest.raises(SiteError, match="not a swai report"):
        from swai.catalog import load_catalog

        build(load_catalog(REPO), repo, tmp_path / "bad.json", tmp_path / "b")


# -- in a real browser ----------------------------------------------------------------------------


@contextlib.contextmanager
def serving(site: Path) -> Iterator[str]:
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def served(graded: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict]]:
    from swai.catalog import load_catalog

    repo, report_path = graded
    site = build(load_catalog(REPO), repo, report_path, tmp_path_factory.mktemp("served") / "site")
    with serving(site) as base:
        yield base, json.loads(report_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    flags = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1600")
    for flag in flags:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))
    try:
        yield driver
    finally:
        driver.quit()


def open_page(driver: Any, url: str, name: str) -> str:
    """Load ``url``, check the console shows no error, keep a screenshot; returns the article's text."""
    from selenium.webdriver.common.by import By

    driver.get(url)
    body: str = driver.find_element(By.TAG_NAME, "article").text
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / (name.strip("/").replace("/", "-") + ".png")))
    return body


@pytest.mark.parametrize("page", ["", "stages/stage2/", "exercises/stage2/lru-cache/", "exercises/stage2/lfu-cache/",
                                  "history/"])
def test_pages_load_in_chromium_without_console_errors(browser: object, served: tuple[str, dict], page: str) -> None:
    from selenium.webdriver.common.by import By

    base, report = served
    driver = browser
    body = open_page(driver, f"{base}/{page}", f"progress-{page or 'index'}")
    totals = report["totals"]
    if page == "":
        assert f"{totals['points']:g} / {totals['max_points']:g} points" in body
        boxes = driver.find_elements(By.CSS_SELECTOR, "article input[type=checkbox]")  # type: ignore[attr-defined]
        assert sum(b.is_selected() for b in boxes) == totals["passed"] == 1
    if page.startswith("exercises/"):
        exercise = next(e for e in report["exercises"] if e["id"] == "stage2/" + page.split("/")[2])
        assert f"{exercise['points']:g} / {exercise['max_points']:g} points" in body

# -- the public course site ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from swai.catalog import load_catalog
    from swai.site.course import build_course_site

    root = tmp_path_factory.mktemp("course")
    return build_course_site(load_catalog(REPO), root / "site", root / "work")


def test_course_site_has_every_item_and_each_ready_spec(catalog: Catalog, course_site: Path) -> None:
    def squeeze(text: str) -> str:
        return re.sub(r"[\s`]", "", text)

    roadmap = squeeze(text_of((course_site / "roadmap" / "index.html").read_text(encoding="utf-8")))
    for box in catalog.items:
        assert squeeze(escape(box.text, quote=False)) in roadmap, box.id
    for exercise in (e for e in catalog.exercises if e.status == "ready"):
        page = (course_site / "stages" / exercise.stage / exercise.slug / "index.html").read_text(encoding="utf-8")
        text = text_of(page)
        assert f"swai grade {exercise.id}" in text and "What is checked" in text
        assert f"Points {exercise.points}" in text
    index = json.loads((course_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(doc["location"] == "stages/stage2/lru-cache/" and "双向链表" in doc["title"] for doc in index["docs"]), (
        "search covers the exercise pages")


def test_course_site_shows_no_hidden_material(course_site: Path) -> None:
    """No line of a reference solution, mutant or grader that the learner does not already get."""
    shown = "\n".join(p.read_text(encoding="utf-8") for p in course_site.rglob("*.html"))
    public = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in (REPO / "exercises").rglob("*")
                       if p.is_file())
    hidden = [*(REPO / "reference").rglob("*.py"), *(REPO / "graders").rglob("*.py")]
    leaks = []
    for path in hidden:
        for raw in path.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if len(line) >= 40 and line not in public and escape(line, quote=False) in shown:
                leaks.append(f"{path.relative_to(REPO)}: {line}")
    assert not leaks, leaks[:5]


@pytest.mark.parametrize("page", ["", "roadmap/", "stages/stage2/", "stages/stage2/lru-cache/", "grading/"])
def test_course_pages_load_in_chromium(browser: Any, course_site: Path, page: str) -> None:
    with serving(course_site) as base:
        body = open_page(browser, f"{base}/{page}", f"course-{page or 'index'}")
    if page == "stages/stage2/lru-cache/":
        assert "LRU Cache（HashMap + 双向链表）" in body and "What is checked" in body
