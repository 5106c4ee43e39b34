"""The whole story in a real browser: Selenium driving Debian's chromium (headless, via
chromium-driver; never a downloaded browser) against ``gongkai serve`` on 127.0.0.1.

Screenshots of the main pages go to the test's temp folder; with GONGKAI_SCREENSHOTS=DIR they
are also written (palette-compressed) to DIR — that is how docs/screenshots/ is regenerated:

    GONGKAI_SCREENSHOTS=docs/screenshots .venv/bin/python -m pytest tests/test_portal_browser.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import openpyxl
import pytest
from selenium import webdriver  # a test dependency (.[test]): never skipped for want of it
from selenium.common.exceptions import NoAlertPresentException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import _tool
from gongkai.portal import accounts, open_portal, twofactor
from gongkai.reading import read_report
from gongkai.workbook import write_workbook
from portal_live import ADMIN, ADMIN_PASSWORD, COUNTY, Filer, LiveServer, database_url, seed_round
from portal_support import county_office

NEW_PASSWORD = "Dongshan-clerk-2025!"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RETURN_REASON = "第二部分的数字与上年公开的不一致，请核实后重新提交。"
WIDE = (1280, 800)
PHONE = (390, 844)


def _chromium(tmp_path: Path, name: str, *, javascript: bool = True) -> WebDriver:
    chromium = _tool("chromium", "chromium-browser")
    chromedriver = _tool("chromedriver")
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / f"{name}-downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / f'{name}-profile'}",
        f"--window-size={WIDE[0]},{WIDE[1]}", "--lang=zh-CN", "--hide-scrollbars",
    ):
        options.add_argument(arg)
    prefs: dict[str, object] = {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    if not javascript:  # the page's scripts are off; the driver's own commands still work
        prefs["profile.managed_default_content_settings.javascript"] = 2
    options.add_experimental_option("prefs", prefs)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=chromedriver))
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.downloads = downloads  # type: ignore[attr-defined]
    return driver


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    driver = _chromium(tmp_path, "chromium")
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def nojs_browser(tmp_path: Path) -> Iterator[WebDriver]:
    driver = _chromium(tmp_path, "nojs", javascript=False)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """A portal with only an admin account: everything else happens in the browser."""
    data = tmp_path / "data"
    data.mkdir()
    portal = open_portal(database_url(data, None))
    with portal.session() as db:
        county_office(db, system=ADMIN)
    portal.engine.dispose()
    with LiveServer(data) as live:
        yield live


# --- helpers ----------------------------------------------------------------------------------


def _wait(driver: WebDriver, condition: Callable, timeout: float = 60):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, timeout).until(condition)


def _navigate(driver: WebDriver, action: Callable[[], object]) -> None:
    """Do something that loads a new page (click a submit button) and wait for the new page."""
    old = driver.find_element(By.TAG_NAME, "html")
    action()
    _wait(driver, _gone(old))
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def _gone(element: WebElement) -> Callable[[WebDriver], bool]:
    """The old page's element has left the document. Besides the stale-element error, Chromium
    sometimes answers a node of the page being replaced with "Node with given id does not
    belong to the document": that too means the old page is gone."""

    def check(_: WebDriver) -> bool:
        try:
            element.is_enabled()
        except WebDriverException:
            return True
        return False

    return check


def _click(driver: WebDriver, element_id: str) -> None:
    element = driver.find_element(By.ID, element_id)
    _navigate(driver, element.click)


def _type(driver: WebDriver, element_id: str, text: str) -> WebElement:
    element = driver.find_element(By.ID, element_id)
    element.clear()
    element.send_keys(text)
    return element


def _login(driver: WebDriver, base: str, username: str, password: str) -> None:
    driver.get(f"{base}/login")
    _type(driver, "username", username)
    _type(driver, "password", password)
    _click(driver, "login-submit")


def _logout(driver: WebDriver) -> None:
    _click(driver, "logout")
    assert "/login" in driver.current_url


def _download(driver: WebDriver, start: Callable[[], object], suffix: str, timeout: float = 120) -> Path:
    """Start a download and wait for the finished file."""
    folder: Path = driver.downloads  # type: ignore[attr-defined]
    before = set(folder.iterdir())
    start()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [p for p in set(folder.iterdir()) - before if p.suffix == suffix]
        partial = [p for p in folder.iterdir() if p.suffix == ".crdownload"]
        if new and not partial:
            return new[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} download within {timeout} s: {sorted(p.name for p in folder.iterdir())}")


def _no_alert(driver: WebDriver) -> None:
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - raises when no dialog is open


class Shots:
    """Screenshots at a fixed viewport, into the test's folder and, when asked, the docs."""

    def __init__(self, driver: WebDriver, folder: Path) -> None:
        self.driver = driver
        self.folder = folder
        self.folder.mkdir(exist_ok=True)
        wanted = os.environ.get("GONGKAI_SCREENSHOTS")
        self.docs = Path(wanted) if wanted else None
        self.taken: list[Path] = []

    def __call__(self, name: str, *, scroll_to: str = "", center: str = "", size: tuple[int, int] = WIDE) -> Path:
        # The viewport itself, not the window (headless chromium's window is taller than its page).
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size != WIDE},
        )
        if center:  # a CSS selector: that element in the middle, its scrolling container too
            self.driver.execute_script(
                "document.querySelector(arguments[0]).scrollIntoView({block: 'center', inline: 'center'})", center
            )
        elif scroll_to:
            self.driver.execute_script("document.getElementById(arguments[0]).scrollIntoView(true)", scroll_to)
        else:
            self.driver.execute_script("window.scrollTo(0, 0)")
        path = self.folder / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.taken.append(path)
        if self.docs is not None:
            from PIL import Image

            self.docs.mkdir(parents=True, exist_ok=True)
            with Image.open(path) as image:
                image.convert("RGB").quantize(colors=128).save(self.docs / path.name, optimize=True)
        self.driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        return path


def _workbook(folder: Path, name: str, *, error: bool) -> Path:
    """东山镇's report with the hostile narrative (whose 监督保障 names none of its results: an
    RN-8 warning to explain) and, when ``error``, a planted R2-1 error (a township making 规章)."""
    report = read_report(COUNTY / "2025" / "东山镇.xlsx")
    report.overview.oversight = f"本镇加强监督。{SCRIPT}"
    report.overview.management = f"落实信息发布审核制度。{IMG}"
    if error:
        report.proactive.regulations.issued = 2
    return write_workbook(report, folder / name)


# --- the story --------------------------------------------------------------------------------


def test_round_file_return_resubmit_accept_and_download_in_chromium(browser: WebDriver, server: LiveServer, tmp_path: Path) -> None:
    driver, base = browser, server.url
    shot = Shots(driver, tmp_path / "screenshots")

    # 县政务公开办 creates the round from the 单位名单 and downloads the account list.
    driver.get(f"{base}/login")
    shot("login")
    _login(driver, base, ADMIN, ADMIN_PASSWORD)
    assert driver.current_url.endswith("/county")
    _type(driver, "round-year", "2025")
    driver.find_element(By.ID, "round-orgs").send_keys(str(COUNTY / "单位名单.csv"))
    _click(driver, "round-submit")
    assert "/county/rounds/" in driver.current_url
    round_url = driver.current_url
    assert driver.find_element(By.ID, "count-not_downloaded").text.startswith("6")
    _click(driver, "issue-accounts")  # a page with the notice and the new passwords, the list a link on it
    assert "已为 6 个单位发放新账号" in driver.find_element(By.ID, "message").text
    accounts = _download(driver, lambda: driver.find_element(By.ID, "accounts-download").click(), ".xlsx")
    rows = list(openpyxl.load_workbook(accounts).active.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(rows) if r and r[0] == "机关全称")
    logins = {r[1]: (r[2], r[3]) for r in rows[header + 1 :]}
    assert len(logins) == 6
    username, initial = logins["东山镇"]
    assert len(initial) >= 12
    _logout(driver)

    # 东山镇's clerk logs in, must change the password, downloads the workbook.
    _login(driver, base, username, initial)
    assert driver.current_url.endswith("/password")
    _type(driver, "old_password", initial)
    _type(driver, "new_password", NEW_PASSWORD)
    _type(driver, "new_password2", NEW_PASSWORD)
    _click(driver, "password-submit")
    assert "密码已修改" in driver.find_element(By.ID, "message").text
    _click(driver, "password-continue")
    assert "/b/" in driver.current_url
    body_url = driver.current_url.split("#")[0]
    prefilled = _download(driver, lambda: driver.find_element(By.ID, "download-workbook").click(), ".xlsx")
    assert read_report(prefilled).body.name == "东山镇人民政府"

    # Upload with a planted error: the error is listed and its cell highlighted and linked.
    driver.find_element(By.ID, "upload-file").send_keys(str(_workbook(tmp_path, "东山镇-有错.xlsx", error=True)))
    _click(driver, "upload-submit")
    assert int(driver.find_element(By.ID, "error-count").text) >= 1
    rules = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "#findings-table tr.sev-error td:nth-child(2)")]
    assert "R2-1" in rules
    cell = driver.find_element(By.CSS_SELECTOR, 'table.official td.flagged.error[data-path="proactive.regulations.issued"]')
    assert cell.text == "2"
    link = cell.find_element(By.TAG_NAME, "a").get_attribute("href")
    assert link and "#finding-" in link
    assert not driver.find_elements(By.ID, "submit-button"), "a version with errors must not be submittable"
    # The hostile narrative is text: shown literally, no element made of it, no dialog.
    narrative = driver.find_element(By.ID, "narrative")
    assert SCRIPT in narrative.text and IMG in narrative.text
    assert not narrative.find_elements(By.TAG_NAME, "img") and not narrative.find_elements(By.TAG_NAME, "script")
    _no_alert(driver)
    shot("body-findings", scroll_to="findings")
    shot("body-tables", scroll_to="tables")
    shot("phone-body", size=PHONE)

    # The preview of the report (the library's HTML page) shows the narrative as text too.
    driver.get(driver.find_element(By.ID, "preview-link").get_attribute("href"))
    assert SCRIPT in driver.find_element(By.TAG_NAME, "body").text
    assert not driver.find_elements(By.CSS_SELECTOR, "img[src=x]")
    _no_alert(driver)
    driver.get(body_url)

    # Upload the fixed one: no errors, a warning to explain, then submit with the 签发.
    driver.find_element(By.ID, "upload-file").send_keys(str(_workbook(tmp_path, "东山镇.xlsx", error=False)))
    _click(driver, "upload-submit")
    assert driver.find_element(By.ID, "error-count").text == "0"
    assert int(driver.find_element(By.ID, "warning-count").text) >= 1
    _submit(driver, "监督保障一段已按条例第五十条补充考核、评议情况，本次先行提交。")
    assert "报告已提交" in driver.find_element(By.ID, "locked").text
    _no_alert(driver)
    _logout(driver)

    # The county sees it on the dashboard and returns it with a reason.
    _login(driver, base, ADMIN, ADMIN_PASSWORD)
    driver.get(round_url)
    assert driver.find_element(By.ID, "count-submitted").text.startswith("1")
    shot("county-dashboard")
    driver.get(body_url)
    narrative = driver.find_element(By.ID, "narrative")
    assert SCRIPT in narrative.text and not narrative.find_elements(By.TAG_NAME, "img")
    assert "本次先行提交" in driver.find_element(By.ID, "history").text  # the warning's 说明 reached the county
    shot("county-review")
    shot("county-return", scroll_to="review")
    _type(driver, "return-reason-input", RETURN_REASON)
    _click(driver, "return-button")
    _no_alert(driver)
    _logout(driver)

    # The body sees the reason beside its tables and submits again.
    _login(driver, base, username, NEW_PASSWORD)
    assert RETURN_REASON in driver.find_element(By.ID, "return-reason").text
    shot("body-returned")
    _submit(driver, "已核实：监督保障段落的考核、评议情况已向县政务公开办说明。")
    assert driver.find_element(By.ID, "locked").is_displayed()
    _logout(driver)

    # The county accepts, downloads everything in one click, and reads the audit log.
    _login(driver, base, ADMIN, ADMIN_PASSWORD)
    driver.get(body_url)
    driver.find_element(By.ID, "accept-confirm").click()  # a checkbox: no page load
    _click(driver, "accept-button")
    assert "报告已通过审核" in driver.find_element(By.ID, "locked").text
    driver.get(round_url)
    assert driver.find_element(By.ID, "count-accepted").text.startswith("1")
    archive = _download(driver, lambda: driver.find_element(By.ID, "zip-download").click(), ".zip", timeout=300)
    with zipfile.ZipFile(archive) as z:
        names = set(z.namelist())
        docx = [n for n in names if n.endswith(".docx")]
        assert len(docx) == 1 and "东山镇" in docx[0], names
        assert {"汇总.xlsx", "核对报告.md"} <= names, names
        summary = openpyxl.load_workbook(io.BytesIO(z.read("汇总.xlsx")))
        assert any("东山镇" in str(c.value) for ws in summary for row in ws.iter_rows() for c in row if c.value)
    # The log is the 审计管理员's (三员分立): the reviewer has no way to it.
    _logout(driver)
    _login(driver, base, "shenji", ADMIN_PASSWORD)
    assert "/county/audit" in driver.current_url  # where an auditor lands
    driver.get(f"{base}/county/audit")
    log = driver.find_element(By.TAG_NAME, "main").text
    for what in (username, "东山镇"):
        assert what in log
    shot("audit-log")
    _no_alert(driver)
    assert len(shot.taken) == 9


@pytest.fixture
def first_admin(tmp_path: Path) -> Iterator[LiveServer]:
    """A new portal: only the 系统管理员 made with ``serve --create-admin``."""
    data = tmp_path / "first"
    data.mkdir()
    portal = open_portal(database_url(data, None))
    with portal.session() as db:
        accounts.create_admin(db, ADMIN, ADMIN_PASSWORD)
    portal.engine.dispose()
    with LiveServer(data) as live:
        yield live


def _name_account(driver: WebDriver, username: str, duty: str) -> str:
    _type(driver, "staff-username", username)
    driver.find_element(By.ID, f"staff-duty-{duty}").click()
    _click(driver, "staff-create")
    assert driver.find_element(By.ID, "named-username").text == username
    return driver.find_element(By.ID, "named-password").text


def _first_password_change(driver: WebDriver, old: str, new: str) -> None:
    assert "/password" in driver.current_url
    _type(driver, "old_password", old)
    _type(driver, "new_password", new)
    _type(driver, "new_password2", new)
    _click(driver, "password-submit")


def test_the_first_admin_names_the_officers_and_the_security_officer_enables_and_sets_policy(
    browser: WebDriver, first_admin: LiveServer, tmp_path: Path
) -> None:
    """三员分立 in a browser: the 系统管理员 is sent to 县级账号 until the 安全管理员 and 审计管理员
    exist; a 审核员 named later waits for the 安全管理员, who enables it and sets the policy."""
    driver, base = browser, first_admin.url
    shot = Shots(driver, tmp_path / "shots")
    _login(driver, base, ADMIN, ADMIN_PASSWORD)
    assert driver.current_url.endswith("/county/staff")
    assert "请先指定安全管理员和审计管理员" in driver.find_element(By.ID, "staff-bootstrap").text
    driver.get(f"{base}/county")
    assert driver.current_url.endswith("/county/staff")  # nothing else opens before
    security_password = _name_account(driver, "anquan", "security")
    shot("county-staff-named")
    _name_account(driver, "shenji", "auditor")
    assert not driver.find_elements(By.ID, "staff-bootstrap")
    reviewer_password = _name_account(driver, "shenhe", "reviewer")
    assert "待安全管理员启用" in driver.find_element(By.ID, "staff-shenhe").text
    driver.get(f"{base}/county")
    assert driver.current_url.endswith("/county") and driver.find_element(By.ID, "round-form")
    _logout(driver)

    _login(driver, base, "shenhe", reviewer_password)
    assert "还没有被安全管理员启用" in driver.find_element(By.ID, "message").text

    _login(driver, base, "anquan", security_password)
    officer = "Guard-the-county-77"
    _first_password_change(driver, security_password, officer)
    driver.get(f"{base}/")
    assert driver.current_url.endswith("/county/staff")
    assert not driver.find_elements(By.ID, "staff-form")  # the 安全管理员 names nobody
    _click(driver, "staff-enable-shenhe")
    assert "已启用 shenhe" in driver.find_element(By.ID, "message").text
    assert "已启用" in driver.find_element(By.ID, "staff-shenhe").find_element(By.CLASS_NAME, "staff-state").text
    shot("county-staff")
    driver.get(f"{base}/county/security")
    _type(driver, "policy-idle_minutes", "15")
    shot("county-security")
    _click(driver, "policy-save")
    assert "已保存安全策略" in driver.find_element(By.ID, "message").text
    assert driver.find_element(By.ID, "policy-idle_minutes").get_attribute("value") == "15"
    assert {e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "nav a")} >= {"nav-staff", "nav-security"}
    assert not driver.find_elements(By.ID, "nav-rounds") and not driver.find_elements(By.ID, "nav-audit")
    _logout(driver)

    _login(driver, base, "shenhe", reviewer_password)
    _first_password_change(driver, reviewer_password, "Check-every-table-88")
    driver.get(f"{base}/")
    assert driver.current_url.endswith("/county") and not driver.find_elements(By.ID, "round-form")
    _no_alert(driver)
    _logout(driver)

    # 双因素登录 required by the 安全管理员: the officer is sent to enrol, then logs in with a code.
    _login(driver, base, "anquan", officer)
    driver.get(f"{base}/county/security")
    driver.find_element(By.ID, "policy-require-two-factor").click()
    _click(driver, "policy-save")
    driver.get(f"{base}/county/staff")
    assert driver.current_url.endswith("/account/two-factor") and driver.find_element(By.ID, "two-factor-required")
    assert driver.find_element(By.ID, "two-factor-qr").get_attribute("naturalWidth") != "0"  # the QR code is drawn
    secret = driver.find_element(By.ID, "two-factor-secret").text.replace(" ", "")
    shot("county-two-factor")
    _type(driver, "two-factor-code", _totp(secret))
    _click(driver, "two-factor-enable")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#recovery-codes code")) == 10
    _logout(driver)
    _login(driver, base, "anquan", officer)
    assert driver.current_url.endswith("/login/two-factor") and not driver.find_elements(By.ID, "nav-staff")
    shot("login-two-factor")
    _type(driver, "two-factor-code", _totp(secret, ahead=1))  # the next step's code: the last one is spent
    _click(driver, "two-factor-submit")
    assert driver.current_url.endswith("/county/staff") and driver.find_element(By.ID, "last-login")
    assert len(shot.taken) == 5


def _totp(secret: str, ahead: int = 0) -> str:
    """What the officer's phone shows now (or one step on): the portal runs on the real clock."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    return twofactor.code_at(secret, twofactor.step_of(now) + ahead)


def _submit(driver: WebDriver, explanation: str) -> None:
    """Explain every warning, name the 签发 leader (the date is today's by default), submit."""
    boxes = driver.find_elements(By.CSS_SELECTOR, "#submit-form textarea[name^=explain_]")
    assert boxes, "a warning should need a 说明"
    for box in boxes:
        box.clear()
        box.send_keys(explanation)
    _type(driver, "leader", "王镇长")
    _click(driver, "submit-button")


# --- 在线填写 in the browser ---------------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[tuple[LiveServer, Filer]]:
    """A portal with a round of the sample county and 东山镇's clerk past the first login."""
    data = tmp_path / "data"
    data.mkdir()
    filers = seed_round(database_url(data, None), tmp_path, 6)
    with LiveServer(data) as live:
        yield live, next(f for f in filers if f.short_name == "东山镇")


def _set(driver: WebDriver, name: str, text: str) -> WebElement:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(text)
    return field


def _table_errors(driver: WebDriver) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, 'table.official td.flagged.error[data-path^="requests."]')


def test_a_clerk_with_no_workbook_writes_the_report_online_with_live_checks_and_autosave(
    browser: WebDriver, nojs_browser: WebDriver, seeded: tuple[LiveServer, Filer], tmp_path: Path
) -> None:
    server, filer = seeded
    driver, base = browser, server.url
    shot = Shots(driver, tmp_path / "screenshots")
    _login(driver, base, filer.username, filer.password)
    _click(driver, "open-editor")
    editor_url = driver.current_url
    assert editor_url.endswith("/edit") and not _table_errors(driver)

    # Five requests received and none handled: table 三 no longer balances. The finding shows
    # on the cell while typing, from the server's check, without submitting anything.
    _set(driver, "requests.new.natural_person", "5")
    _wait(driver, lambda d: _table_errors(d), timeout=30)
    assert driver.current_url == editor_url
    assert "R3-1" in driver.find_element(By.ID, "findings").text
    _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, 'td[data-path="requests.new.total"]').text == "5", timeout=30)
    flagged = _table_errors(driver)[0]
    assert "R3-1" in (flagged.get_attribute("title") or "")  # the finding on the cell itself
    assert "错误" in driver.find_element(By.ID, "editor-counts").text
    where = f'table.official td.flagged.error[data-path="{flagged.get_attribute("data-path")}"]'
    shot("editor-1280", center=where)
    shot("editor-390", center=where, size=PHONE)

    # Fixed: all five granted. The highlight goes, the draft is saved by itself.
    _set(driver, "requests.granted.natural_person", "5")
    _set(driver, "overview.management", "本镇落实信息发布审核制度。\n第二段：在线填写。")
    _wait(driver, lambda d: not _table_errors(d), timeout=30)
    _wait(driver, lambda d: "R3-1" not in d.find_element(By.ID, "findings").get_attribute("textContent"), timeout=30)
    _wait(driver, lambda d: d.find_element(By.ID, "editor-status").text.startswith("已自动保存"), timeout=30)

    # A reload comes back to the draft, with nothing lost.
    driver.refresh()
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    assert "已恢复" in driver.find_element(By.ID, "draft-restored").text
    assert driver.find_element(By.NAME, "requests.new.natural_person").get_attribute("value") == "5"
    assert driver.find_element(By.NAME, "requests.granted.natural_person").get_attribute("value") == "5"
    assert driver.find_element(By.NAME, "overview.management").get_attribute("value") == "本镇落实信息发布审核制度。\n第二段：在线填写。"
    _no_alert(driver)

    # 保存为新版本: the version page shows it.
    _click(driver, "editor-save")
    assert "/v/" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, 'table.official td[data-path="requests.new.total"]').text == "5"
    assert "第二段：在线填写。" in driver.find_element(By.ID, "narrative").text
    _no_alert(driver)

    # The same with JavaScript off: the plain form posts and saves version 2.
    plain = nojs_browser
    _login(plain, base, filer.username, filer.password)
    _click(plain, "open-editor")
    assert "从第 1 版开始编辑" in plain.find_element(By.TAG_NAME, "main").text
    assert "已恢复" not in plain.page_source  # saving the version deleted the draft
    _set(plain, "requests.new.commercial", "2")
    _set(plain, "requests.granted.commercial", "2")
    time.sleep(1)  # would be long enough for a live check, were scripts on
    assert plain.find_element(By.ID, "editor-status").text == "" and not plain.find_elements(By.CSS_SELECTOR, "button.copy-prev:not([hidden])")
    _click(plain, "editor-save")
    assert "/v/" in plain.current_url
    assert plain.find_element(By.CSS_SELECTOR, 'table.official td[data-path="requests.new.total"]').text == "7"
    assert "第 2 版" in plain.find_element(By.TAG_NAME, "main").text


def _fill_text(driver: WebDriver, name: str, text: str) -> None:
    field = driver.find_element(By.NAME, name)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.clear()
    field.send_keys(text)


def _explain_and_submit(driver: WebDriver, explanation: str) -> None:
    """Explain whatever warnings the version has, name the 签发 leader, submit."""
    for box in driver.find_elements(By.CSS_SELECTOR, "#submit-form textarea[name^=explain_]"):
        box.clear()
        box.send_keys(explanation)
    _type(driver, "leader", "王镇长")
    _click(driver, "submit-button")


def test_the_whole_round_online_from_an_empty_form_to_the_countys_zip(
    browser: WebDriver, nojs_browser: WebDriver, seeded: tuple[LiveServer, Filer], tmp_path: Path
) -> None:
    """Issue 13 §4: every table and part written online, a live finding fixed, autosave across a
    reload, a version saved and submitted; the county returns it pointing at a cell; the clerk
    (now without JavaScript) sees the cell marked, fixes it online and submits; the county sees
    the changed figure in the read-only editor and accepts; the zip's Word report is
    byte-identical to ``gongkai render`` of the version's JSON."""
    from sqlalchemy import select as sql_select
    from typer.testing import CliRunner

    from gongkai.cli import app as cli_app
    from gongkai.portal import queries
    from gongkai.portal.db import Blob, Version

    server, filer = seeded
    driver, base = browser, server.url
    _login(driver, base, filer.username, filer.password)
    _click(driver, "open-editor")
    figures = {
        "proactive.normative_documents.issued": "3", "proactive.normative_documents.in_force": "12", "proactive.licensing": "5",
        "appeals.administrative_review.upheld": "1",
        "requests.new.natural_person": "4",
    }
    for name, value in figures.items():
        _set(driver, name, value)
    _wait(driver, lambda d: _table_errors(d), timeout=30)  # four received, none handled: R3-1 live
    _set(driver, "requests.granted.natural_person", "4")
    _wait(driver, lambda d: not _table_errors(d), timeout=30)
    texts = driver.find_elements(By.CSS_SELECTOR, "#editor textarea")
    assert len(texts) >= 10
    for area in texts:
        name = area.get_attribute("name")
        _fill_text(driver, name, f"本单位{name.split('.')[-1]}部分的说明。\n第二段。")
    _fill_text(driver, "preamble.contact", "李四")
    _fill_text(driver, "preamble.phone", "0591-12345678")
    # Two new-media accounts: the second row appears on 添加一行, without leaving the page.
    _fill_text(driver, "channels.new_media.0.name", "东山发布")
    _fill_text(driver, "channels.new_media.0.platform", "微信公众号")
    _fill_text(driver, "channels.new_media.0.posts", "120")
    add = driver.find_element(By.CSS_SELECTOR, '.channel-group[data-group="new_media"] button.add-row')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", add)
    add.click()
    _wait(driver, lambda d: d.find_element(By.NAME, "channels.new_media.1.name").is_displayed())
    _fill_text(driver, "channels.new_media.1.name", "东山镇政务微博")
    _fill_text(driver, "channels.new_media.1.platform", "微博")
    _fill_text(driver, "channels.new_media.1.posts", "30")
    _wait(driver, lambda d: d.find_element(By.ID, "editor-status").text.startswith("已自动保存"), timeout=30)
    driver.refresh()
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
    assert driver.find_element(By.NAME, "channels.new_media.1.name").get_attribute("value") == "东山镇政务微博"
    assert driver.find_element(By.NAME, "channels.new_media.1.name").is_displayed()
    assert driver.find_element(By.NAME, "requests.granted.natural_person").get_attribute("value") == "4"
    _click(driver, "editor-save")
    assert "/v/" in driver.current_url and driver.find_element(By.ID, "error-count").text == "0"
    _explain_and_submit(driver, "已核实，情况属实。")
    assert driver.find_element(By.ID, "locked").is_displayed()
    body_url = driver.current_url.split("?")[0]
    _logout(driver)

    # The county returns it, ticking the cell in the drawn table.
    _login(driver, base, ADMIN, ADMIN_PASSWORD)
    driver.get(body_url)
    cell = driver.find_element(By.CSS_SELECTOR, 'input[form="return-form"][value="proactive.licensing"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    cell.click()
    _type(driver, "return-reason-input", "行政许可件数请与业务科室核对。")
    Shots(driver, tmp_path / "screenshots")("review-return-cell", center='input[form="return-form"][value="proactive.licensing"]')
    _click(driver, "return-button")
    assert "已退回" in driver.find_element(By.ID, "message").text
    _logout(driver)

    # The clerk, now without JavaScript, sees the cell marked and fixes it online.
    plain = nojs_browser
    _login(plain, base, filer.username, filer.password)
    plain.get(body_url)
    reason = plain.find_element(By.ID, "return-reason").text
    assert "行政许可件数请与业务科室核对。" in reason and "行政许可" in reason and "proactive.licensing" not in reason
    assert "pointed" in plain.find_element(By.CSS_SELECTOR, 'table.official td[data-path="proactive.licensing"]').get_attribute("class")
    _click(plain, "open-editor")
    marked = plain.find_element(By.CSS_SELECTOR, 'td[data-path="proactive.licensing"]')
    assert "pointed" in marked.get_attribute("class") and "行政许可件数请与业务科室核对" in marked.get_attribute("title")
    _set(plain, "proactive.licensing", "7")
    _click(plain, "editor-save")
    assert "/v/" in plain.current_url
    _explain_and_submit(plain, "已核实，情况属实。")
    assert plain.find_element(By.ID, "locked").is_displayed()

    # The county sees what changed, accepts, and downloads the zip.
    _login(driver, base, ADMIN, ADMIN_PASSWORD)
    driver.get(body_url + "/edit")
    changed = driver.find_element(By.CSS_SELECTOR, 'td[data-path="proactive.licensing"]')
    assert "changed" in changed.get_attribute("class") and "原来是 5" in changed.get_attribute("title")
    assert not driver.find_elements(By.ID, "editor-save")
    driver.get(body_url)
    driver.find_element(By.ID, "accept-confirm").click()  # a checkbox: no page load
    _click(driver, "accept-button")
    assert "报告已通过审核" in driver.find_element(By.ID, "locked").text
    round_url = driver.find_element(By.CSS_SELECTOR, ".crumbs a").get_attribute("href")
    driver.get(round_url)
    archive = _download(driver, lambda: driver.find_element(By.ID, "zip-download").click(), ".zip", timeout=300)
    with zipfile.ZipFile(archive) as z:
        (word,) = [n for n in z.namelist() if n.endswith(".docx")]
        zipped = z.read(word)

    # The version's JSON, rendered by the command line, gives the same bytes.
    portal = open_portal(database_url(server.data, None))
    try:
        with portal.session() as db:
            version = db.scalar(sql_select(Version).order_by(Version.id.desc()))
            assert version is not None and version.filename == "在线填报.json"
            assert queries.report_of(version).proactive.licensing == 7
            stored = db.get(Blob, version.blob_id).data
    finally:
        portal.engine.dispose()
    source = tmp_path / "version.json"
    source.write_bytes(stored)
    result = CliRunner().invoke(cli_app, ["render", str(source), "-o", str(tmp_path / "cli.docx")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "cli.docx").read_bytes() == zipped
