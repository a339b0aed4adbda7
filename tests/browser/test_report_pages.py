"""The report pages in a real browser: rows and cells for a fake installation, sorting and
filtering by following the page's own links, a screenshot, and hostile repository text shown as
text with no script run."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from tests.github.conftest import model_repo_files
from tests.web import sized
from tests.web.helpers import push_default
from tests.web.test_pages import open_repo_files

HOSTILE_LICENSE = ('<script>alert("licence")</script><img src=x onerror=alert(1)> MODEL LICENSE\n\n'
                   "You may use the model for non-commercial purposes only.\n")
HOSTILE_README = ("# Evil <script>alert(2)</script>\n\nEvil is an open-source model; see "
                  "[the terms](javascript:alert(3)).\n")


def installation(app, fake) -> None:
    push_default(app, fake, "acme-ai/aurora", fake.add_repo("acme-ai/aurora", model_repo_files()))
    push_default(app, fake, "acme-ai/tiny", fake.add_repo("acme-ai/tiny", open_repo_files()))
    evil = {"README.md": HOSTILE_README, "LICENSE": HOSTILE_LICENSE, "model.safetensors": "w"}
    push_default(app, fake, "acme-ai/evil", fake.add_repo("acme-ai/evil", evil))


def rows(browser) -> list[str]:
    return [row.find_element(By.CSS_SELECTOR, "th a").text
            for row in browser.find_elements(By.CSS_SELECTOR, "#repositories tbody tr")]


def no_alert(browser) -> bool:
    try:
        alert = browser.switch_to.alert
    except NoAlertPresentException:
        return True
    return alert is None


def test_owner_page_renders_sorts_and_filters(fake, start_app, browser, artifacts):
    app = start_app()
    installation(app, fake)
    browser.get(f"{app.url}/report/acme-ai")
    assert rows(browser) == ["acme-ai/aurora", "acme-ai/evil", "acme-ai/tiny"]
    first = browser.find_element(By.CSS_SELECTOR, "#repositories tbody tr")
    labels = [cell.text for cell in first.find_elements(By.CSS_SELECTOR, "td .cell")]
    assert labels[0] == "restricted" and set(labels[1:]) <= {"open", "restricted", "missing", "not determinable"}
    colour = first.find_element(By.CSS_SELECTOR, "td .cell").value_of_css_property("background-color")
    assert colour not in ("rgba(0, 0, 0, 0)", "transparent")  # the stylesheet applied under the CSP
    assert "3 repositories" in browser.find_element(By.CSS_SELECTOR, ".totals").text
    browser.save_screenshot(str(artifacts / "report-owner.png"))
    browser.set_window_size(390, 844)
    full_page_screenshot(browser, artifacts / "report-owner-phone.png", 390, 844)
    browser.set_window_size(1280, 900)

    browser.find_element(By.LINK_TEXT, "Repository").click()  # sorted by name already: now descending
    assert rows(browser) == ["acme-ai/tiny", "acme-ai/evil", "acme-ai/aurora"]
    browser.find_element(By.PARTIAL_LINK_TEXT, "Verdict").click()
    assert rows(browser)[-1] == "acme-ai/tiny"  # the least restricted verdict sorts last, ascending
    browser.find_element(By.PARTIAL_LINK_TEXT, "open weights (").click()
    assert rows(browser) == ["acme-ai/tiny"]
    browser.find_element(By.PARTIAL_LINK_TEXT, "all (").click()
    assert len(rows(browser)) == 3


def test_hostile_repository_text_is_shown_as_text(fake, start_app, browser, artifacts):
    app = start_app()
    installation(app, fake)
    for path in ("/report/acme-ai", "/report/acme-ai/evil"):
        browser.get(app.url + path)
        assert no_alert(browser)
        assert browser.find_elements(By.TAG_NAME, "script") == []
        assert browser.find_elements(By.TAG_NAME, "img") == []
        hrefs = [a.get_attribute("href") or "" for a in browser.find_elements(By.TAG_NAME, "a")]
        assert not any(h.lower().startswith("javascript:") for h in hrefs)
    assert '<script>alert("licence")</script>' in browser.find_element(By.TAG_NAME, "main").text
    browser.save_screenshot(str(artifacts / "report-repository.png"))


def test_repository_page_links_to_the_evidence(fake, start_app, browser):
    app = start_app()
    installation(app, fake)
    browser.get(f"{app.url}/report/acme-ai/aurora")
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "section a")]
    assert any(href.startswith(f"{fake.base_url}/acme-ai/aurora/blob/") and "#L" in href for href in links)
    assert browser.find_element(By.CSS_SELECTOR, "figure[aria-labelledby=chart-title] .chart-row")


FITS = "return document.documentElement.scrollWidth <= window.innerWidth"
ONE_LINE = """return [...document.querySelectorAll('.when')].every(e => {
  const style = getComputedStyle(e); return e.getBoundingClientRect().height < 1.6 * parseFloat(style.lineHeight); })"""
WHOLE = """return [...document.querySelectorAll('.chip, .cell')].every(e => e.scrollWidth <= e.clientWidth + 1)"""


def full_page_screenshot(browser, path, width: int, height: int) -> None:
    """The whole page, not the viewport: the window is made as tall as the document first."""
    total = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(width, max(height, total))
    browser.save_screenshot(str(path))
    browser.set_window_size(width, height)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)], ids=["phone", "laptop"])
def test_pages_fit_the_screen_with_real_sized_data(fake, start_app, browser, artifacts, width, height):
    """50 repositories with 120-character names, every verdict, 300-character licence addresses
    and a 30-check history: no page scrolls sideways, dates and chart labels stay whole."""
    app = start_app()
    names = sized.fill(app.store)
    browser.set_window_size(width, height)
    assert browser.execute_script("return window.innerWidth") <= width
    pages = {"owner": "/report/acme-ai", "repository": f"/report/{names[0]}", "unknown": f"/report/{names[3]}"}
    for label, path in pages.items():
        browser.get(app.url + path)
        assert browser.execute_script(FITS), (label, width, browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth]"))
        assert browser.execute_script(ONE_LINE), (label, width)
        assert browser.execute_script(WHOLE), (label, width)
        full_page_screenshot(browser, artifacts / f"report-{label}-{width}.png", width, height)
    browser.get(app.url + pages["owner"])
    assert len(rows(browser)) == 50
    browser.get(app.url + pages["repository"])
    trend = browser.find_element(By.CSS_SELECTOR, "svg.trend")
    assert trend.size["width"] >= min(width - 40, 300)  # a chart a person can read, not a sliver
