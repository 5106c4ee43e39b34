"""Security of the portal, each point on its own: sessions, CSRF, throttling, authorization on
every route, uploads, downloads, headers, escaping, formula-safe workbooks, the bind address."""

from __future__ import annotations

import base64
import inspect
import io
import re
import zipfile

import openpyxl
import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from gongkai import read_report, write_workbook
from gongkai.portal import auditlog, queries
from gongkai.portal.db import Blob, BodyRow, SessionRow, Version
from portal_support import (
    ADMIN_PASSWORD,
    COUNTY,
    admin_client,
    client_for,
    csrf_of,
    filer_client,
    login,
    pdf_bytes,
    post,
    sample_bytes,
)


def _upload(client, body: int, data: bytes, name: str = "填报表.xlsx"):  # type: ignore[no-untyped-def]
    return post(client, f"/b/{body}", f"/b/{body}/upload", files={"file": (name, data, "application/octet-stream")})


# --- sessions --------------------------------------------------------------------------------


def test_session_cookie_flags_and_new_token_at_login(app, world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    c.cookies.set("gongkai-session", "planted-by-attacker", domain="testserver.local")
    r = login(c, "county", ADMIN_PASSWORD)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("gongkai-session=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on localhost
    assert "planted-by-attacker" not in cookie and len(c.cookies["gongkai-session"]) >= 40
    first = c.cookies["gongkai-session"]
    login(c, "county", ADMIN_PASSWORD)
    assert c.cookies["gongkai-session"] != first


def test_https_uses_host_prefixed_secure_cookie(app, world) -> None:  # type: ignore[no-untyped-def]
    c = TestClient(app, base_url="https://portal.example")
    r = login(c, "county", ADMIN_PASSWORD)
    cookie = r.headers["set-cookie"]
    assert cookie.startswith("__Host-gongkai-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def test_idle_and_absolute_timeouts(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    c = admin_client(app)
    clock.advance(minutes=29)
    assert c.get("/county", follow_redirects=False).status_code == 200
    clock.advance(minutes=31)
    assert c.get("/county", follow_redirects=False).headers["location"].startswith("/login")
    c = admin_client(app)
    for _ in range(25):  # active every 29 minutes, but not beyond 12 hours
        clock.advance(minutes=29)
        if c.get("/county", follow_redirects=False).status_code != 200:
            break
    assert c.get("/county", follow_redirects=False).status_code == 303
    assert _ >= 24  # lasted until the 12-hour mark


def test_logout_deletes_the_server_side_session(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    c = admin_client(app)
    token = c.cookies["gongkai-session"]
    assert post(c, "/county", "/logout").status_code == 303
    with portal.session() as db:
        assert db.query(SessionRow).count() == 0
    replay = client_for(app)
    replay.cookies.set("gongkai-session", token)
    assert replay.get("/county", follow_redirects=False).status_code == 303


# --- CSRF ------------------------------------------------------------------------------------


def test_post_without_csrf_token_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    c = admin_client(app)
    body = world.bodies["东山镇"]
    for url in ("/logout", f"/county/bodies/{body}/accept", f"/county/rounds/{world.round_id}/accounts"):
        assert c.post(url, data={}, follow_redirects=False).status_code == 403, url
        assert c.post(url, data={"csrf_token": "wrong"}, follow_redirects=False).status_code == 403, url
    anonymous = client_for(app)
    anonymous.get("/login")
    r = anonymous.post("/login", data={"username": "county", "password": ADMIN_PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


# --- throttling ------------------------------------------------------------------------------


def test_five_failures_lock_the_account_for_fifteen_minutes(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    # A 填报人's account; the county's is slowed instead of locked (test_portal_attacks.py).
    username, password = world.passwords["东山镇"]
    c = client_for(app)
    for _ in range(5):
        assert "用户名或密码不正确" in login(c, username, "wrong-password-1").text
    locked = login(c, username, password)
    assert locked.status_code == 200 and "gongkai-session" not in locked.headers.get("set-cookie", "")
    clock.advance(minutes=14)
    assert login(c, username, password).status_code == 200
    clock.advance(minutes=2)
    assert login(c, username, password).status_code == 303


def test_message_does_not_reveal_whether_a_user_exists(app, world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    known = login(c, "county", "wrong-password-1").text
    unknown = login(c, "nobody-at-all", "wrong-password-1").text
    strip = lambda html: re.sub(r'value="[^"]*"', "", html)  # noqa: E731
    assert strip(known) == strip(unknown)


def test_one_address_cannot_try_endlessly_across_accounts(app, world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    for i in range(20):
        login(c, f"guess-{i}", "wrong-password-1")
    assert login(c, "county", ADMIN_PASSWORD).status_code == 200  # refused although right


# --- passwords -------------------------------------------------------------------------------


def test_first_login_forces_a_change_to_a_good_password(app, world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    username, password = world.passwords["东山镇"]
    assert len(password) >= 12
    assert login(c, username, password).headers["location"] == "/password"
    assert c.get(f"/b/{world.bodies['东山镇']}", follow_redirects=False).headers["location"] == "/password"
    for bad, why in (("short1", "至少 10"), ("password123", "常见"), ("1234567890", "常见")):
        r = post(c, "/password", "/password", {"old_password": password, "new_password": bad, "new_password2": bad})
        assert r.status_code == 400 and why in r.text, bad
    good = "river-Stone-4471"
    r = post(c, "/password", "/password", {"old_password": password, "new_password": good, "new_password2": good})
    assert r.status_code == 303
    assert c.get(f"/b/{world.bodies['东山镇']}").status_code == 200


def test_reset_password_issues_a_new_one(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    body = world.bodies["东山镇"]
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/reset")
    new = re.search(r'id="reset-password">([^<]+)<', r.text).group(1)
    c = client_for(app)
    assert login(c, world.passwords["东山镇"][0], new).headers["location"] == "/password"


# --- authorization on every route -------------------------------------------------------------


def _routes(app):  # type: ignore[no-untyped-def]
    for route in app.routes:
        if isinstance(route, Mount):
            continue
        assert isinstance(route, Route)
        for method in sorted(route.methods - {"HEAD"}):
            yield method, route.path


PUBLIC = {("GET", "/login"), ("POST", "/login")}


def _fill(path: str, ids: dict[str, int]) -> str:
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(ids.get(m.group(1), "docx")), path)


def test_every_route_as_nobody(app, world) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    ids = {"body_id": world.bodies["东山镇"], "round_id": world.round_id, "version_id": 1, "submission_id": 1, "action": "accept", "kind": "docx"}
    walked = 0
    for method, path in _routes(app):
        if (method, path) in PUBLIC:
            continue
        url = _fill(path, ids)
        if method == "GET":
            r = c.get(url, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (url, r.status_code)
        else:
            c.get("/login")
            r = c.post(url, data={"csrf_token": c.cookies.get("gongkai-csrf")}, follow_redirects=False)
            assert r.status_code == 403, (url, r.status_code)
        walked += 1
    assert walked >= 24


def test_every_route_as_the_wrong_body(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    # 西山镇 has a version, a submission with a stamped copy; 东山镇 asks for all of it.
    west = filer_client(app, world, "西山镇")
    body = world.bodies["西山镇"]
    r = _upload(west, body, sample_bytes("西山镇"))
    version_id = int(r.headers["location"].split("/v/")[1].split("#")[0])
    with portal.session() as db:
        v = db.get(Version, version_id)
        ex = {f"explain_{i}": "已核实" for i, f in enumerate(queries.findings_of(v)) if f.severity == "warning"}
    post(west, f"/b/{body}", f"/b/{body}/submit", {"version_id": str(version_id), "leader": "王", "signed_on": "2026-01-09", **ex},
         files={"stamped": ("s.pdf", pdf_bytes(), "application/pdf")})
    with portal.session() as db:
        submission_id = queries.submissions(db, body)[0].id
    east = filer_client(app, world, "东山镇")
    ids = {"body_id": body, "round_id": world.round_id, "version_id": version_id, "submission_id": submission_id, "action": "accept", "kind": "docx"}
    own = world.bodies["东山镇"]
    token = csrf_of(east.get(f"/b/{own}").text)
    walked = 0
    for method, path in _routes(app):
        if (method, path) in PUBLIC or path in ("/", "/logout", "/password", "/login/two-factor"):
            continue
        url = _fill(path, ids)
        if method == "GET":
            r = east.get(url, follow_redirects=False)
        else:
            r = east.post(url, data={"csrf_token": token}, files={"file": ("x.xlsx", sample_bytes("东山镇"))}, follow_redirects=False)
        assert r.status_code == 404, (method, url, r.status_code)
        assert "西山镇" not in r.text, url
        walked += 1
    assert walked >= 22
    # The county can see it, and the right body can too.
    assert west.get(f"/b/{body}/v/{version_id}/file").content == sample_bytes("西山镇")
    assert admin_client(app).get(f"/b/{body}/stamped/{submission_id}").content == pdf_bytes()
    # A version id of another body under one's own body id: still 404.
    assert east.get(f"/b/{own}/v/{version_id}/file").status_code == 404


# --- uploads: bad files change nothing ---------------------------------------------------------


def _bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(io.BytesIO(sample_bytes("东山镇"))) as real:
            for item in real.infolist():
                z.writestr(item, real.read(item))
        z.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def _xml_bomb() -> bytes:
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    xml = f'<?xml version="1.0"?><!DOCTYPE s [{entities}]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&i;</t></si></sst>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sample_bytes("东山镇"))) as real, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for item in real.infolist():
            z.writestr(item, real.read(item))
        z.writestr("xl/sharedStrings.xml", xml.encode())
    return buffer.getvalue()


def _other_year(tmp_path) -> bytes:  # type: ignore[no-untyped-def]
    return (COUNTY / "2024" / "东山镇.xlsx").read_bytes()


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("corrupt", "损坏"),
        ("encrypted", "密码"),
        ("xls", ".xls"),
        ("text", "既不是"),
        ("other_body", "西山镇"),
        ("other_body_token", "西山镇"),
        ("other_year", "2024"),
        ("zip_bomb", ""),
        ("xml_bomb", ""),
    ],
)
def test_bad_upload_gets_a_chinese_message_and_changes_nothing(app, world, portal, tmp_path, kind, expected) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    west_wb = None
    if kind == "other_body_token":
        west = filer_client(app, world, "西山镇")
        west_wb = west.get(f"/b/{world.bodies['西山镇']}/workbook").content
    data = {
        "corrupt": b"PK\x03\x04" + b"\x00garbage" * 50,
        "encrypted": ole + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 100,
        "xls": ole + b"\0" * 600,
        "text": "机关全称,简称\n".encode(),
        "other_body": sample_bytes("西山镇"),
        "other_body_token": west_wb,
        "other_year": _other_year(tmp_path),
        "zip_bomb": _bomb() if kind == "zip_bomb" else b"",
        "xml_bomb": _xml_bomb() if kind == "xml_bomb" else b"",
    }[kind]
    with portal.session() as db:
        before = (db.query(Version).count(), db.query(Blob).count(), db.get(BodyRow, body).state)
    r = _upload(east, body, data)
    assert r.status_code in (413, 415, 422), (kind, r.status_code, r.text[:300])
    message = re.search(r'id="message" role="alert">([^<]+)<', r.text)
    text_ = message.group(1) if message else r.text
    assert re.search(r"[\u4e00-\u9fff]", text_) and expected in text_, (kind, text_[:300])
    with portal.session() as db:
        after = (db.query(Version).count(), db.query(Blob).count(), db.get(BodyRow, body).state)
        assert after == before
        assert auditlog.audit_entries(db, action="upload_refused")  # refused uploads are logged, nothing else


def test_request_size_cap(app, world) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _upload(east, body, b"PK\x03\x04" + b"\0" * (4 * 1024 * 1024))  # the test app's cap is 2 MB
    assert r.status_code == 413 and "MB" in r.text


# --- downloads, headers, escaping -------------------------------------------------------------


def test_headers_on_pages_and_downloads(app, world) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    page = east.get(f"/b/{world.bodies['东山镇']}")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert page.headers["referrer-policy"] and page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text.replace('<script src="/static/portal.js" defer></script>', "")
    assert "onclick" not in page.text and "style=" not in page.text
    wb = east.get(f"/b/{world.bodies['东山镇']}/workbook")
    assert wb.headers["x-content-type-options"] == "nosniff"
    assert "filename*=UTF-8''%E4%B8%9C%E5%B1%B1" in wb.headers["content-disposition"]


HOSTILE = ('<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "=HYPERLINK(\"http://x\",\"y\")")


def test_hostile_text_is_shown_as_text_and_never_becomes_a_formula(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    report = read_report(COUNTY / "2025" / "东山镇.xlsx")
    report.overview.proactive = "\n".join(HOSTILE)
    report.improvements.problems = HOSTILE[1]
    data = write_workbook(report, tmp_path / "东山镇.xlsx").read_bytes()
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _upload(east, body, data, name='=cmd|"/c calc"!A1.xlsx')
    page = east.get(r.headers["location"])
    assert "<script>alert(1)</script>" not in page.text and "<img src=x" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page.text
    preview = east.get(f"{r.headers['location'].split('#')[0]}/preview")
    assert "<script>alert(1)</script>" not in preview.text and "script-src" not in preview.headers["content-security-policy"]
    # Workbooks the portal writes: the chase list names the body's upload; values stay text.
    county = admin_client(app)
    post(county, f"/b/{body}", f"/county/bodies/{body}/rename", {"name": '=HYPERLINK("http://x","y")', "short_name": "+1"})
    chase = county.get(f"/county/rounds/{world.round_id}/chase.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(chase.content)).active
    names = [c.value for c in ws["A"]]
    cell = next(c for c in ws["A"] if c.value and str(c.value).startswith("=HYPERLINK"))
    assert cell.data_type == "s", names
    # A body added under a formula-like name gets its account: the list keeps the name as text.
    post(county, f"/county/rounds/{world.round_id}", f"/county/rounds/{world.round_id}/bodies", {"name": '=HYPERLINK("http://x","z")', "short_name": "@1"})
    accounts = post(county, f"/county/rounds/{world.round_id}", f"/county/rounds/{world.round_id}/accounts")
    found = re.search(r'href="data:[^;"]+;base64,([^"]+)"', accounts.text)
    assert found, accounts.text
    ws = openpyxl.load_workbook(io.BytesIO(base64.b64decode(found.group(1)))).active
    assert any(c.value == '=HYPERLINK("http://x","z")' for c in ws["A"])
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", c.coordinate


def test_binds_localhost_by_default() -> None:
    from gongkai.portal import serving
    from gongkai.portal.command import register

    assert inspect.signature(serving.serve).parameters["host"].default == "127.0.0.1"
    import typer

    app_ = typer.Typer()
    register(app_)
    params = inspect.signature(app_.registered_commands[0].callback).parameters
    assert params["host"].default == "127.0.0.1"
