"""The API documentation works for a person: in a real browser (the system's Chromium, headless,
driven by Selenium; nothing is downloaded), `/v1/docs` on the local stack takes an API key, runs
`GET /v1/offices` through Swagger UI's "Try it out" and shows a 200 with the head office in it."""

from __future__ import annotations

import shutil

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
OPERATION = "#operations-Offices-listOffices"


def system_browser() -> tuple[str, str]:
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        pytest.skip("no system Chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    return browser, driver


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = system_browser()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,2000"):
        options.add_argument(flag)
    session = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    yield session
    session.quit()


def test_a_person_authorizes_and_runs_a_get_through_swagger_ui(stack, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as shown
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 30)
    browser.get(f"{stack.base_url}/v1/docs")
    wait.until(shown.element_to_be_clickable((By.CSS_SELECTOR, "button.authorize"))).click()
    # The X-API-Key scheme's form: its key field, then its own Authorize button.
    form = wait.until(
        shown.presence_of_element_located(
            (By.XPATH, "//div[contains(@class,'modal-ux')]//form[.//code[normalize-space()='X-API-Key']]")
        )
    )
    form.find_element(By.CSS_SELECTOR, "input").send_keys(stack.admin_key)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(shown.element_to_be_clickable((By.CSS_SELECTOR, "button.btn-done"))).click()

    block = wait.until(shown.presence_of_element_located((By.CSS_SELECTOR, OPERATION)))
    block.find_element(By.CSS_SELECTOR, ".opblock-summary-control").click()
    wait.until(shown.element_to_be_clickable((By.CSS_SELECTOR, f"{OPERATION} button.try-out__btn"))).click()
    wait.until(shown.element_to_be_clickable((By.CSS_SELECTOR, f"{OPERATION} button.execute"))).click()

    status = wait.until(
        shown.presence_of_element_located(
            (By.CSS_SELECTOR, f"{OPERATION} .live-responses-table tbody .response-col_status")
        )
    )
    body = browser.find_element(By.CSS_SELECTOR, f"{OPERATION} .live-responses-table tbody .response-col_description")
    assert status.text.strip() == "200", body.text
    assert "Head Office" in body.text
