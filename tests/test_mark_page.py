"""The `autograder mark` page in a real headless browser: Selenium driving Debian's Chromium (chromium-driver).

Open the page, grade two answers (one with the keyboard), reload: the scores are on the page and in
nbgrader's gradebook. Also: the token is required, a score outside [0, max] is refused on the page.
Writes the screenshot the README shows (docs/mark.png). A few seconds, on the class graded once for
test_manual_grading.py (same xdist group).
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from autograder.course import interpreter_env
from autograder.reports.results import lab_grades

from conftest import ROOT
from grading_course import LAB, copy_course

pytestmark = pytest.mark.xdist_group("graded_class")
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOT = ROOT / "docs" / "mark.png"


@pytest.fixture
def page(graded_class, tmp_path):
    """`autograder mark` serving a copy of the class; yields (url with token, course folder)."""
    course = copy_course(graded_class, tmp_path / "course")
    server = subprocess.Popen([sys.executable, "-m", "autograder", "mark", LAB, "--root", str(course),
                               "--grader", "browser-test"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, env=interpreter_env())
    try:
        for line in server.stdout:
            if line.startswith("open "):
                yield line.split()[1], course
                break
        else:
            pytest.fail(f"autograder mark did not start: {server.stderr.read()[-2000:]}")
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if "CI" in __import__("os").environ:
            pytest.fail("chromium and chromium-driver must be installed in CI (.ci/run installs them)")
        pytest.skip("Debian's chromium and chromium-driver are not installed (.ci/run installs them)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1100,1250", "--lang=en"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no driver download
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def groups(driver) -> list:
    return driver.find_elements("css selector", "section.group")


def status(group) -> str:
    return group.find_element("css selector", ".status").text


def wait_for(driver, condition) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(condition)


def test_grade_two_answers_reload_and_find_them_in_the_gradebook(page, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    url, course = page
    base = url.split("/?")[0]
    with pytest.raises(urllib.error.HTTPError, match="403"):
        urllib.request.urlopen(f"{base}/question/2")  # no token, no page
    browser.get(url)
    assert browser.current_url == f"{base}/question/1", "the token leaves the address bar"
    browser.get(f"{base}/question/2")  # count_weights_equation: LaTeX in the answers
    assert "count_weights_equation" in browser.title
    assert browser.find_elements("css selector", ".model math"), "the model answer's LaTeX is drawn (MathML)"
    model, short = sorted(groups(browser)[:2], key=lambda g: "= 33" not in g.text)  # the model answer, cut short
    assert "2 students" in model.text and "2 students" in short.text  # identical answers grouped
    assert not re.search(r"\b1000[1-5]\b", browser.find_element("tag name", "main").text), "anonymised"

    score = model.find_element("css selector", ".score")  # the model answer: typed, then Enter
    score.send_keys("7", Keys.ENTER)
    wait_for(browser, lambda d: "outside [0, 1]" in status(model))
    score.clear()
    score.send_keys("1", Keys.ENTER)
    wait_for(browser, lambda d: status(model).startswith("saved"))
    comment = model.find_element("css selector", ".comment")
    comment.send_keys("The full equation, well explained.", Keys.ESCAPE)  # leaving the box saves it
    wait_for(browser, lambda d: model.get_attribute("data-comment") == "The full equation, well explained.")
    # the keyboard: to the other answer (j or k), its score box (s), half a point, Enter
    step = "j" if groups(browser).index(short) > groups(browser).index(model) else "k"
    ActionChains(browser).send_keys(step, "s", "0.5", Keys.ENTER).perform()
    wait_for(browser, lambda d: status(short).startswith("saved"))
    progress = browser.find_element("id", "progress").text

    browser.refresh()
    model, short = sorted(groups(browser)[:2], key=lambda g: "= 33" not in g.text)
    assert model.find_element("css selector", ".score").get_attribute("value") == "1"
    assert model.find_element("css selector", ".comment").get_attribute("value") == \
        "The full equation, well explained."
    assert short.find_element("css selector", ".score").get_attribute("value") == "0.5"
    assert browser.find_element("id", "progress").text == progress == "5 / 5"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    grades = {s.student: s for s in lab_grades(course, LAB).submissions}
    question = next(q for q in lab_grades(course, LAB).questions if q.grade_id == "count_weights_equation")
    scores = {s: grades[s].question_score(question) for s in ("10001", "10002", "10003", "10004", "10005")}
    assert scores == {"10001": 1, "10005": 1, "10002": 0.5, "10003": 0.5, "10004": 0}
    assert grades["10005"].question_comment(question) == "The full equation, well explained."
