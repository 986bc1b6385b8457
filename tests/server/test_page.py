#!/usr/bin/env python3
"""Drives the web page of `zoetrope serve` in headless Chromium, end to end against a running server.

Environment:
  ZOETROPE_URL        the server's base URL, e.g. http://127.0.0.1:8080 (required)
  ZOETROPE_API_KEY    the API key, when the server asks for one (entered through the page's settings)
  ZOETROPE_ARTIFACTS  where the screenshot (page.png) and the downloaded MP4 go; default out/test-artifacts
  ZOETROPE_TIMEOUT    seconds to wait for the video to finish; default 180
  CHROMIUM, CHROMEDRIVER  the browser and its driver; default /usr/bin/chromium and /usr/bin/chromedriver
                      (Debian's chromium and chromium-driver; passed explicitly, so Selenium Manager never
                      goes to the network)

Steps: load /; enter the key in the settings when one is given (and check that the page asked for it);
type a prompt with HTML in it, submit; wait until that job's gallery card is completed with its thumbnail
decoded and its video playable in the page; check the card shows the prompt exactly, as text; download
the MP4 through the page; take a screenshot; delete the video through the page (accepting the confirm)
and check the card goes and the API answers 404 for it; check the browser console has no errors.

Prints one line per check and `N passed, N failed` last; exits non-zero when a check failed.
"""

import json
import os
import sys
import time
import traceback
import urllib.error
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

BASE = os.environ.get("ZOETROPE_URL", "").rstrip("/")
KEY = os.environ.get("ZOETROPE_API_KEY", "")
ARTIFACTS = os.path.abspath(os.environ.get("ZOETROPE_ARTIFACTS", "out/test-artifacts"))
TIMEOUT = float(os.environ.get("ZOETROPE_TIMEOUT", "180"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")

# HTML in the prompt: the page must show it as text, never parse it.
PROMPT = 'a red ball moving left over the sea at night <b id="injected">bold</b> & "quotes"'

passed = 0
failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + name, flush=True)
    else:
        failed += 1
        print("FAIL " + name + (": " + detail if detail else ""), flush=True)
    return ok


def api_status(path):
    """The HTTP status of GET path (with the key), straight from the server, not through the page."""
    request = urllib.request.Request(BASE + path)
    if KEY:
        request.add_header("Authorization", "Bearer " + KEY)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    options.add_experimental_option("prefs", {
        "download.default_directory": ARTIFACTS,
        "download.prompt_for_download": False,
        "safebrowsing.enabled": False,
    })
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    # Headless Chromium downloads only where told to.
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": ARTIFACTS})
    except Exception:
        pass
    return driver


def browser_errors(driver):
    """SEVERE console entries since the last call (get_log empties the buffer), or None where unsupported."""
    try:
        entries = driver.get_log("browser")
    except Exception:
        return None
    return [e for e in entries if e.get("level") == "SEVERE"]


def card_for(driver, video_id):
    return driver.find_element(By.CSS_SELECTOR, '[data-testid="video-card"][data-video-id="%s"]' % video_id)


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def run(driver):
    driver.get(BASE + "/")
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: js(d, "return document.readyState") == "complete")
    check("page loads with its form", bool(driver.find_elements(By.ID, "create-form")))

    if KEY:
        # Without a key the page's first requests get 401: it must open the settings and say so.
        try:
            wait.until(lambda d: js(d, "return document.getElementById('settings').open"))
            asked = True
        except TimeoutException:
            asked = False
        check("page asks for the API key after a 401", asked,
              "settings panel not opened; status: %r" % driver.find_element(By.ID, "api-key-status").text)
        if not js(driver, "return document.getElementById('settings').open"):
            driver.find_element(By.ID, "settings-toggle").click()
        field = driver.find_element(By.ID, "api-key")
        field.clear()
        field.send_keys(KEY)
        driver.find_element(By.ID, "api-key-save").click()
        browser_errors(driver)  # the expected 401s before the key are not errors of the page

    # The model list fills the model field and the size and duration defaults.
    try:
        wait.until(lambda d: js(d, "return document.getElementById('model').value !== ''"))
        models_ok = True
    except TimeoutException:
        models_ok = False
    check("models load into the form", models_ok, driver.find_element(By.ID, "model-info").text)
    size = driver.find_element(By.ID, "size").get_attribute("value")
    seconds = driver.find_element(By.ID, "seconds").get_attribute("value")
    check("size and seconds pre-filled from the model", bool(size) and bool(seconds), "size %r, seconds %r" % (size, seconds))
    check("advanced settings start collapsed", not js(driver, "return document.getElementById('advanced').open"))

    # Mode switching shows the right fields.
    driver.find_element(By.CSS_SELECTOR, "label:has(#mode-image)").click()
    check("image mode shows the upload", driver.find_element(By.ID, "input-reference").is_displayed())
    driver.find_element(By.CSS_SELECTOR, "label:has(#mode-remix)").click()
    check("remix mode shows the source picker", driver.find_element(By.ID, "source-video").is_displayed()
          and not driver.find_element(By.ID, "size").is_displayed())
    driver.find_element(By.CSS_SELECTOR, "label:has(#mode-text)").click()
    check("text mode hides both", not driver.find_element(By.ID, "input-reference").is_displayed()
          and not driver.find_element(By.ID, "source-video").is_displayed())

    # Submit a prompt.
    prompt = driver.find_element(By.ID, "prompt")
    prompt.clear()
    prompt.send_keys(PROMPT)
    driver.find_element(By.ID, "submit").click()
    try:
        WebDriverWait(driver, 60).until(
            lambda d: d.find_element(By.ID, "form-status").get_attribute("data-video-id")
            or d.find_element(By.ID, "form-error").text)
    except TimeoutException:
        pass
    video_id = driver.find_element(By.ID, "form-status").get_attribute("data-video-id")
    if not check("submitting creates a video", bool(video_id), driver.find_element(By.ID, "form-error").text):
        return
    print("     video id " + video_id, flush=True)

    # Its card: live progress, then completed.
    card = card_for(driver, video_id)
    check("the new card is first in the gallery",
          js(driver, "return document.querySelector('#gallery [data-testid=video-card]').dataset.videoId") == video_id)
    seen = set()
    deadline = time.time() + TIMEOUT
    status = None
    while time.time() < deadline:
        status = card.get_attribute("data-status")
        seen.add(status)
        if status in ("completed", "failed"):
            break
        time.sleep(0.2)
    print("     statuses seen: " + ", ".join(sorted(s for s in seen if s)), flush=True)
    error = card.find_element(By.CSS_SELECTOR, '[data-testid="card-error"]').text
    if not check("the job completes within %d s" % TIMEOUT, status == "completed", "status %r %s" % (status, error)):
        return
    check("the card's status text says completed",
          card.find_element(By.CSS_SELECTOR, '[data-testid="card-status"]').text.strip().lower() == "completed")

    # The prompt, exactly, as text.
    shown = card.find_element(By.CSS_SELECTOR, '[data-testid="card-prompt"]').get_attribute("textContent")
    check("the gallery shows the prompt exactly", shown == PROMPT, "shown %r" % shown)
    check("the prompt's HTML is not parsed", not driver.find_elements(By.ID, "injected"))
    check("the card shows size and seconds",
          card.find_element(By.CSS_SELECTOR, '[data-testid="card-size"]').text != ""
          and card.find_element(By.CSS_SELECTOR, '[data-testid="card-seconds"]').text != "")

    # The thumbnail decodes.
    try:
        WebDriverWait(driver, 30).until(lambda d: js(
            d, "const i = arguments[0].querySelector('[data-testid=card-thumbnail]'); return i.complete && i.naturalWidth > 0",
            card))
        thumb_ok = True
    except TimeoutException:
        thumb_ok = False
    check("the thumbnail loads (naturalWidth > 0)", thumb_ok)

    # The video plays in the page.
    card.find_element(By.CSS_SELECTOR, '[data-testid="card-play"]').click()
    try:
        WebDriverWait(driver, 30).until(lambda d: js(
            d, "const v = arguments[0].querySelector('[data-testid=card-video]');"
               "return (v.readyState >= 1 && v.duration > 0) || (v.error !== null)", card))
    except TimeoutException:
        pass
    media = js(driver, "const v = arguments[0].querySelector('[data-testid=card-video]');"
                       "return {ready: v.readyState, duration: v.duration, width: v.videoWidth,"
                       " error: v.error && v.error.code, hidden: v.hidden, src: v.currentSrc.slice(0, 5)}", card)
    check("the video is playable (readyState >= 1, duration > 0)",
          media["ready"] >= 1 and (media["duration"] or 0) > 0 and not media["hidden"], json.dumps(media))

    # Download: the MP4 under the video's id.
    target = os.path.join(ARTIFACTS, video_id + ".mp4")
    if os.path.exists(target):
        os.remove(target)
    card.find_element(By.CSS_SELECTOR, '[data-testid="card-download"]').click()
    deadline = time.time() + 30
    while time.time() < deadline and not (os.path.exists(target) and os.path.getsize(target) > 0):
        time.sleep(0.2)
    got = os.path.exists(target) and os.path.getsize(target) > 0
    head = open(target, "rb").read(12) if got else b""
    check("download saves %s.mp4 (an MP4)" % video_id, got and head[4:8] == b"ftyp",
          "files: %r" % sorted(os.listdir(ARTIFACTS)))

    time.sleep(0.5)  # let the video show a frame
    shot = os.path.join(ARTIFACTS, "page.png")
    check("screenshot written to " + shot, driver.save_screenshot(shot) and os.path.getsize(shot) > 0)

    # Delete through the page.
    card.find_element(By.CSS_SELECTOR, '[data-testid="card-delete"]').click()
    try:
        WebDriverWait(driver, 10).until(lambda d: d.switch_to.alert)
        driver.switch_to.alert.accept()
        confirmed = True
    except TimeoutException:
        confirmed = False
    check("delete asks for confirmation", confirmed)

    def card_gone(d):
        try:
            card_for(d, video_id)
            return False
        except NoSuchElementException:
            return True
        except StaleElementReferenceException:
            return True
    try:
        WebDriverWait(driver, 30).until(card_gone)
        gone = True
    except TimeoutException:
        gone = False
    check("the card disappears after delete", gone)
    status = api_status("/v1/videos/" + video_id)
    check("GET /v1/videos/{id} answers 404 after delete", status == 404, "got %s" % status)

    errors = browser_errors(driver)
    if errors is None:
        print("     (this driver gives no browser log; console not checked)", flush=True)
    else:
        check("no errors in the browser console", not errors, json.dumps(errors, indent=1))


def main():
    if not BASE:
        print("ZOETROPE_URL is not set (e.g. http://127.0.0.1:8080)", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    os.makedirs(ARTIFACTS, exist_ok=True)
    driver = None
    global failed
    try:
        driver = make_driver()
        run(driver)
        if failed:
            driver.save_screenshot(os.path.join(ARTIFACTS, "page-error.png"))
    except Exception:
        traceback.print_exc()
        failed += 1
        if driver is not None:
            try:
                driver.save_screenshot(os.path.join(ARTIFACTS, "page-error.png"))
            except Exception:
                pass
    finally:
        if driver is not None:
            driver.quit()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
