"""The search page in a real browser: headless Chromium driven by Selenium.

A uvicorn server started here serves the app on a free localhost port,
over a real index of the articles of test_web.py. The test types an
Arabic query with diacritics, as a reader would, and checks what the
browser shows: hits, <mark> on the words as written in the articles, a
right-to-left layout, working pagination and source facets. It leaves a
screenshot in docs/screenshot.png for the README.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install -e '.[web]'")
pytest.importorskip("uvicorn", reason="the web extra is not installed: pip install -e '.[web]'")
pytest.importorskip("selenium", reason="selenium is not installed: pip install -e '.[test]'")

import uvicorn  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as until  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402
from test_web import SCHOOL_HITS, write_seeds  # noqa: E402

from search import Index  # noqa: E402
from search.web.app import create_app  # noqa: E402

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "screenshot.png"
WINDOW = (1000, 900)
TYPED_QUERY = "المَدْرَسَة"  # as a reader might type it; the articles write المدرسة and بالمدرسةِ
CHROMIUM_ARGUMENTS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--lang=ar",
)

if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of the app, served by uvicorn in a thread on a free localhost port."""
    root = tmp_path_factory.mktemp("browser")
    seeds = write_seeds(root / "seeds")
    Index(root / "index").update(seeds)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))  # the port is ours before the server starts: no race for it
    config = uvicorn.Config(create_app(root / "index"), log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv.should_exit = True
    thread.join(timeout=5)
    sock.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in CHROMIUM_ARGUMENTS:
        options.add_argument(argument)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument(f"--window-size={WINDOW[0]},{WINDOW[1]}")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def wait_for(browser, condition, seconds: float = 10):
    return WebDriverWait(browser, seconds).until(condition)


def hit_texts(browser, selector: str) -> list[str]:
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_search_page_in_a_real_browser(server, browser):
    browser.get(server + "/?limit=2")
    box = browser.find_element(By.NAME, "q")
    box.send_keys(TYPED_QUERY)
    box.send_keys(Keys.ENTER)
    wait_for(browser, until.presence_of_element_located((By.CSS_SELECTOR, "li.hit")))

    # Hits, with the query kept in the box as typed.
    assert browser.find_element(By.NAME, "q").get_attribute("value") == TYPED_QUERY
    assert hit_texts(browser, "li.hit .rank") == ["1", "2"]
    assert f"عدد النتائج: {SCHOOL_HITS}" in browser.find_element(By.CSS_SELECTOR, ".summary").text

    # <mark> holds the words as the articles write them, diacritics included.
    marks = hit_texts(browser, "li.hit .snippet mark")
    assert "بالمدرسةِ" in marks and "المدرسة" in marks
    assert TYPED_QUERY not in marks

    # Right to left, as computed by the browser.
    for selector in ("html", ".results", "li.hit .snippet"):
        element = browser.find_element(By.CSS_SELECTOR, selector)
        assert browser.execute_script("return getComputedStyle(arguments[0]).direction", element) == "rtl"

    # "Why it matched" opens.
    why = browser.find_element(By.CSS_SELECTOR, "li.hit details.why")
    why.find_element(By.TAG_NAME, "summary").click()
    assert why.get_attribute("open") is not None and "بتشكيل مختلف" in why.text

    # Pagination: the next page holds ranks 3 and 4.
    browser.find_element(By.CSS_SELECTOR, ".pages a[rel=next]").click()
    wait_for(browser, until.text_to_be_present_in_element((By.CSS_SELECTOR, "li.hit .rank"), "3"))
    assert hit_texts(browser, "li.hit .rank") == ["3", "4"]
    assert "page=2" in browser.current_url

    # A source facet filters the hits to that source and starts again at page 1.
    browser.find_element(By.XPATH, "//nav[@class='facets']//a[normalize-space()='okaz']").click()
    wait_for(browser, until.url_contains("source=okaz"))
    assert set(hit_texts(browser, "li.hit .meta .source")) == {"okaz"}
    assert hit_texts(browser, "li.hit .rank")[0] == "1"


def test_article_page_highlights_the_query(server, browser):
    browser.get(server + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys(TYPED_QUERY, Keys.ENTER)
    wait_for(browser, until.presence_of_element_located((By.CSS_SELECTOR, "li.hit h3 a")))
    browser.find_element(By.XPATH, "//li[@class='hit']//h3/a[contains(., 'حي النسيم')]").click()
    wait_for(browser, until.presence_of_element_located((By.CSS_SELECTOR, "article.doc")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "افتتاح المدرسة الجديدة في حي النسيم"
    assert hit_texts(browser, "article.doc h1 mark") == ["المدرسة"]
    assert hit_texts(browser, "article.doc .body mark") == ["المدرسة", "المدرسة", "بالمدرسةِ"]
    assert "/doc/https%3A%2F%2Fsabq.org%2F" in browser.current_url

    # Related articles are links to other articles' pages.
    related = browser.find_elements(By.CSS_SELECTOR, "aside.related li a")
    assert related and browser.find_element(By.CSS_SELECTOR, "aside.related h2").text == "مقالات ذات صلة"
    title = related[0].text
    related[0].click()
    wait_for(browser, until.text_to_be_present_in_element((By.TAG_NAME, "h1"), title))
    assert "sabq.org" not in browser.current_url


def test_search_as_you_type_offers_completions(server, browser):
    browser.get(server + "/")
    browser.find_element(By.NAME, "q").send_keys("افتتاح المدر")
    wait_for(browser, lambda driver: driver.find_elements(By.CSS_SELECTOR, "#completions option"))
    values = [option.get_attribute("value") for option in browser.find_elements(By.CSS_SELECTOR, "#completions option")]
    assert values[0] == "افتتاح المدرسة"


def test_screenshot_for_the_readme(server, browser):
    """A real query on the test articles, the first "why it matched" open: docs/screenshot.png."""
    browser.set_window_size(*WINDOW)
    browser.get(server + "/?q=%D8%A7%D9%84%D9%85%D9%8E%D8%AF%D9%92%D8%B1%D9%8E%D8%B3%D9%8E%D8%A9&limit=3")
    wait_for(browser, until.presence_of_element_located((By.CSS_SELECTOR, "li.hit")))
    hit = browser.find_element(By.XPATH, "//li[@class='hit'][.//h3/a[contains(., 'حي النسيم')]]")
    hit.find_element(By.CSS_SELECTOR, "details.why summary").click()
    SCREENSHOT.parent.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
