"""The portal attacked as issue 16's red team did: each defect found, reproduced and refused.

One section a point: another body's name in one's own workbook, long texts in the log,
sessions after a password change, the county account locked from outside, bad ids and
rosters that gave a bare 500, and the smaller ones (Origin, HSTS, quota, slow bodies, stamped
PDFs, HEAD, refused requests, file names, purging, closed rounds, the demo's admin).
"""

from __future__ import annotations

import asyncio
import io
import zipfile

import openpyxl
import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from gongkai import read_report
from gongkai.jsonio import report_to_json
from gongkai.portal import (
    Settings,
    accounts,
    actors,
    auditlog,
    create_app,
    limits,
    queries,
    roster,
    seed_demo,
)
from gongkai.portal.app import MAX_ID, SecurityHeaders, parse_id
from gongkai.portal.db import AuditEntry, BodyRow, LoginFailure, Round, SessionRow, Submission, User, Version
from gongkai.workbook import layout as L
from portal_support import (
    ADMIN_PASSWORD,
    COUNTY,
    NEW_PASSWORD,
    admin_client,
    auditor_client,
    client_for,
    county_office,
    csrf_of,
    filer_client,
    login,
    pdf_bytes,
    post,
    sample_bytes,
)

CELL = {s.path: (s.sheet, s.cell) for s in L.cell_specs()}


def _upload(client, body: int, data: bytes, name: str = "填报表.xlsx"):  # type: ignore[no-untyped-def]
    return post(client, f"/b/{body}", f"/b/{body}/upload", files={"file": (name, data, "application/octet-stream")})


def _edit(data: bytes, **values: str) -> bytes:
    """A workbook with the given model paths (body.name=…) set, as a clerk edits it in Excel."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for path, value in values.items():
        sheet, cell = CELL[path.replace("__", ".")]
        wb[sheet][cell] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _version_id(response) -> int:  # type: ignore[no-untyped-def]
    assert response.status_code == 303, response.text[:500]
    return int(response.headers["location"].split("/v/")[1].split("#")[0])


def _submit(client, portal, body: int, version_id: int, **extra):  # type: ignore[no-untyped-def]
    with portal.session() as db:
        findings = queries.findings_of(db.get(Version, version_id))
    explain = {f"explain_{i}": "已核实" for i, f in enumerate(findings) if f.severity == "warning"}
    data = {"version_id": str(version_id), "leader": "王主任", "signed_on": "2026-01-09", **explain, **extra.pop("data", {})}
    return post(client, f"/b/{body}", f"/b/{body}/submit", data, **extra)


def _count(portal, model, *where) -> int:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- 1. the portal's record of a body is the truth ----------------------------------------------


def test_own_workbook_renamed_to_another_body_is_refused_with_both_names(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    north = filer_client(app, world, "北山镇")
    body = world.bodies["北山镇"]
    own = north.get(f"/b/{body}/workbook").content  # carries 北山镇's token
    forged = _edit(own, body__name="东山镇人民政府")  # short name kept: 北山镇
    r = _upload(north, body, forged)
    assert r.status_code == 422
    assert "东山镇人民政府" in r.text and "北山镇人民政府" in r.text
    assert _count(portal, Version) == 0


def test_json_naming_another_body_is_refused(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east_report = read_report(COUNTY / "2025" / "东山镇.xlsx")
    east_report.body.short_name = "北山镇"
    north = filer_client(app, world, "北山镇")
    r = _upload(north, world.bodies["北山镇"], report_to_json(east_report).encode(), "北山镇.json")
    assert r.status_code == 422 and "东山镇人民政府" in r.text and "北山镇人民政府" in r.text
    assert _count(portal, Version) == 0


def test_the_body_kept_with_a_version_is_the_portals(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    """Short name, level and parent changed in the file: the roster's stand, in the stored
    report, its checks (R2-1 is a township's error, not a department's hint) and the zip."""
    north = filer_client(app, world, "北山镇")
    body = world.bodies["北山镇"]
    edited = _edit(north.get(f"/b/{body}/workbook").content, body__short_name="东山镇", body__level="县级部门", body__parent="别的县")
    vid = _version_id(_upload(north, body, edited))
    with portal.session() as db:
        stored = queries.report_of(db.get(Version, vid)).body
    assert (stored.name, stored.short_name, stored.level, stored.parent) == ("北山镇人民政府", "北山镇", "乡镇", "示例县")
    east = filer_client(app, world, "东山镇")
    east_vid = _version_id(_upload(east, world.bodies["东山镇"], sample_bytes("东山镇")))
    assert _submit(north, portal, body, vid).status_code == 303
    assert _submit(east, portal, world.bodies["东山镇"], east_vid).status_code == 303
    county = admin_client(app)
    for b in (body, world.bodies["东山镇"]):
        assert post(county, f"/b/{b}", f"/county/bodies/{b}/accept", {"confirm": "1"}).status_code == 303
    z = zipfile.ZipFile(io.BytesIO(county.get(f"/county/rounds/{world.round_id}/download.zip").content))
    reports = sorted(n for n in z.namelist() if n.endswith(".docx"))
    assert reports == ["东山镇人民政府2025年政府信息公开工作年度报告.docx", "北山镇人民政府2025年政府信息公开工作年度报告.docx"]
    summary = openpyxl.load_workbook(io.BytesIO(z.read("汇总.xlsx")))["汇总"]
    rows = {str(row[2]): [str(c) for c in row] for row in summary.iter_rows(values_only=True)}  # by 机关全称
    assert rows["北山镇人民政府"][3] == "乡镇" and "东山镇人民政府" in rows
    assert not any("县级部门" in row for row in rows.values())


# --- 3. bounded texts, a paged log, a small login body -------------------------------------------


def test_a_huge_login_body_is_refused_before_it_is_read(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    token = csrf_of(c.get("/login").text)
    for _ in range(21):  # past the address limit, as the red team was
        login(c, "county", "wrong-password-1")
    before = _count(portal, AuditEntry)
    r = c.post("/login", data={"username": "x" * (1 << 20), "password": "p", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 413 and "KB" in r.text
    assert _count(portal, AuditEntry) == before


def test_a_long_user_name_is_clipped_in_the_log(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    for _ in range(22):  # locked by address on the last ones: both paths write the log
        login(c, "y" * 6000, "wrong-password-1")
    with portal.session() as db:
        longest = db.scalar(select(func.max(func.length(AuditEntry.detail))))
    assert longest <= limits.MAX_NAME + 20


@pytest.mark.parametrize(
    ("route", "field", "limit"),
    [
        ("return", "reason", limits.MAX_REASON),
        ("remove", "reason", limits.MAX_REASON),
        ("rename", "name", limits.MAX_NAME),
    ],
)
def test_long_texts_are_refused_with_a_message(app, world, portal, route, field, limit) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    body = world.bodies["东山镇"]
    if route == "return":
        east = filer_client(app, world, "东山镇")
        _submit(east, portal, body, _version_id(_upload(east, body, sample_bytes("东山镇"))))
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/{route}", {field: "长" * (limit + 1)})
    assert r.status_code == 400 and f"最多 {limit} 个字" in r.text
    with portal.session() as db:
        assert db.scalar(select(func.max(func.length(AuditEntry.detail)))) <= limits.MAX_AUDIT_DETAIL


def test_long_explanations_and_huge_roster_names_are_refused(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    vid = _version_id(_upload(east, body, sample_bytes("东山镇")))
    r = _submit(east, portal, body, vid, data={"leader": "王" * 101})
    assert r.status_code == 400 and "签发人最多" in r.text
    county = admin_client(app)
    roster = tmp_path / "单位名单.csv"
    roster.write_text("机关全称,简称,层级\n" + "镇" * 5000 + "人民政府,甲,乡镇\n", encoding="utf-8")
    r = post(county, "/county", "/county/rounds", {"year": "2026"}, files={"orgs": ("单位名单.csv", roster.read_bytes())})
    assert r.status_code == 422 and "超过" in r.text


def test_the_audit_page_is_paged(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        actor = actors.Actor(None, "127.0.0.1", clock)
        for i in range(230):
            auditlog.audit(db, actor, "login_failed", f"guess-{i:03d}")
        db.commit()
    county = auditor_client(app)
    first = county.get("/county/audit?action=login_failed")
    assert first.text.count("<tr><td>") == auditlog.AUDIT_PAGE and "guess-229" in first.text and 'id="audit-older"' in first.text
    third = county.get("/county/audit?action=login_failed&page=3")
    assert third.text.count("<tr><td>") == 30 and "guess-000" in third.text and 'id="audit-older"' not in third.text


# --- 4. a password change ends the account's other sessions -----------------------------------


def test_password_change_ends_other_sessions_and_rotates_the_token(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    first = filer_client(app, world, "东山镇")
    username = world.passwords["东山镇"][0]
    second = client_for(app)
    assert login(second, username, NEW_PASSWORD).status_code == 303
    old_token = first.cookies.get("gongkai-session")
    page = first.get("/password")
    r = first.post(
        "/password",
        data={"old_password": NEW_PASSWORD, "new_password": "another-Good-pass-7", "new_password2": "another-Good-pass-7", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    new_token = first.cookies.get("gongkai-session")
    assert new_token and new_token != old_token
    body = world.bodies["东山镇"]
    assert first.get(f"/b/{body}", follow_redirects=False).status_code == 200
    assert second.get(f"/b/{body}", follow_redirects=False).headers["location"].startswith("/login")
    replay = client_for(app)
    replay.cookies.set("gongkai-session", old_token)
    assert replay.get(f"/b/{body}", follow_redirects=False).status_code == 303
    assert _count(portal, SessionRow) == 1


# --- 5. nobody locks the county out from outside ---------------------------------------------


def _from(app, address: str) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, base_url="http://testserver", client=(address, 40000))


def test_failures_from_five_addresses_do_not_lock_the_county(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        login(_from(app, f"203.0.113.{i}"), "county", "wrong-password-1")
    assert login(_from(app, "198.51.100.7"), "county", ADMIN_PASSWORD).status_code == 303


def test_one_address_guessing_the_county_password_is_slowed_ever_more(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    attacker = _from(app, "203.0.113.9")
    for _ in range(5):
        login(attacker, "county", "wrong-password-1")
    assert login(attacker, "county", ADMIN_PASSWORD).status_code == 200  # refused unchecked: too soon
    assert login(_from(app, "198.51.100.7"), "county", ADMIN_PASSWORD).status_code == 303  # the office gets in
    clock.advance(seconds=31)
    login(attacker, "county", "wrong-password-2")  # the sixth failure: now a minute
    clock.advance(seconds=31)
    assert login(attacker, "county", ADMIN_PASSWORD).status_code == 200
    clock.advance(seconds=30)
    assert login(attacker, "county", ADMIN_PASSWORD).status_code == 303


def test_a_clerk_account_is_still_locked_after_five_failures(app, world, clock) -> None:  # type: ignore[no-untyped-def]
    username, password = world.passwords["东山镇"]
    for i in range(5):
        login(_from(app, f"203.0.113.{i}"), username, "wrong-password-1")
    assert login(_from(app, "198.51.100.7"), username, password).status_code == 200
    clock.advance(minutes=16)
    assert login(_from(app, "198.51.100.7"), username, password).status_code == 303


# --- 6. no bare 500 ---------------------------------------------------------------------------


def _roster(tmp_path, text: str, name: str = "单位名单.csv"):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook/>")
        z.writestr("xl/media/padding.bin", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("case", "expected"),
    [("level", "层级"), ("duplicate", "同一个单位"), ("empty", "空"), ("bomb", "拒绝"), ("header", "机关全称")],
)
def test_roster_problems_give_a_message_not_a_500(app, world, portal, tmp_path, case, expected) -> None:  # type: ignore[no-untyped-def]
    files = {
        "level": ("单位名单.csv", _roster(tmp_path, "机关全称,简称,层级\n甲镇人民政府,甲镇,村委会\n")),
        "duplicate": ("单位名单.csv", _roster(tmp_path, "机关全称,简称,层级\n甲镇人民政府,甲镇,乡镇\n甲镇人民政府,甲,乡镇\n")),
        "empty": ("单位名单.csv", b""),
        "bomb": ("单位名单.xlsx", _zip_bomb()),
        "header": ("单位名单.csv", _roster(tmp_path, "名字\n甲镇\n")),
    }[case]
    county = admin_client(app)
    rounds = _count(portal, Round)
    r = post(county, "/county", "/county/rounds", {"year": "2026"}, files={"orgs": files})
    assert r.status_code in (400, 413, 422), (case, r.status_code, r.text[:300])
    assert expected in r.text and "Internal Server Error" not in r.text
    assert _count(portal, Round) == rounds


def test_ids_out_of_range_or_not_ascii_are_404_on_every_route(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    token = csrf_of(county.get("/county").text)
    own = world.bodies["东山镇"]
    fullwidth = str(own).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    bad = [str(2**63), str(2**31), "9" * 40, "²", fullwidth, "-1", "0"]
    routes = [r for r in app.routes if hasattr(r, "methods") and "{" in r.path]
    walked = 0
    for route in routes:
        for value in bad:
            url = route.path
            for name in ("body_id", "round_id", "version_id", "submission_id"):
                url = url.replace("{" + name + "}", value)
            url = url.replace("{action}", "accept").replace("{kind:str}", "docx")
            if "GET" in route.methods:
                r = county.get(url, follow_redirects=False)
            else:
                r = county.post(url, data={"csrf_token": token}, follow_redirects=False)
            assert r.status_code == 404, (url, r.status_code)
            walked += 1
    assert walked >= 20 * len(bad)
    assert county.get(f"/b/{own}").status_code == 200 and county.get(f"/b/{fullwidth}").status_code == 404
    assert parse_id(str(MAX_ID)) == MAX_ID and parse_id(str(MAX_ID + 1)) is None


def test_odd_digits_in_fields_and_query_strings_are_no_500(app, world, portal, tmp_path) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    auditor = auditor_client(app)
    for query in ("body_id=²", "body_id=１", f"body_id={2**70}", "page=²", f"page={2**70}", "action=" + "x" * 5000):
        assert auditor.get(f"/county/audit?{query}").status_code == 200, query
    roster = ("单位名单.csv", (COUNTY / "单位名单.csv").read_bytes())
    for previous in ("²", "１", str(2**63)):
        r = post(county, "/county", "/county/rounds", {"year": "2026", "previous_round_id": previous}, files={"orgs": roster})
        assert r.status_code == 404, previous
    for year in ("²⁰²⁶", "２０２６", "9" * 5000):
        r = post(county, "/county", "/county/rounds", {"year": year}, files={"orgs": roster})
        assert r.status_code == 400 and "年度" in r.text, year
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    vid = _version_id(_upload(east, body, sample_bytes("东山镇")))
    r = _submit(east, portal, body, vid, data={"explain_²": "说明", f"explain_{2**70}": "说明", "version_id": "²"})
    assert r.status_code == 404


def test_error_pages_carry_the_security_headers(app, world, portal, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    c = client_for(app)
    missing = c.get("/no/such/page")
    assert missing.status_code == 404 and "找不到" in missing.text
    assert c.delete("/login").status_code == 405
    broken_form = c.post(f"/b/{world.bodies['东山镇']}/upload", files={"file": ("长" * 3000 + ".xlsx", b"PK")})  # header too long
    assert broken_form.status_code == 400 and "格式不对" in broken_form.text
    token = csrf_of(c.get("/login").text)
    big = c.post("/login", data={"username": "x" * 20000, "csrf_token": token})
    monkeypatch.setattr(queries, "rounds", lambda db: 1 / 0)
    broken = TestClient(app, raise_server_exceptions=False)
    login(broken, "county", ADMIN_PASSWORD)
    failed = broken.get("/county")
    assert failed.status_code == 500 and "系统出错" in failed.text
    for r in (missing, big, failed, broken_form):
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"], r.status_code
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["x-frame-options"] == "DENY"


# --- 7. the smaller ones ------------------------------------------------------------------------


def test_a_post_from_another_origin_is_refused(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    body = world.bodies["东山镇"]
    token = csrf_of(county.get(f"/b/{body}").text)
    data = {"name": "改名镇人民政府", "csrf_token": token}
    evil = county.post(f"/county/bodies/{body}/rename", data=data, headers={"origin": "http://evil.example"}, follow_redirects=False)
    assert evil.status_code == 403 and "其他网站" in evil.text
    null = county.post(f"/county/bodies/{body}/rename", data=data, headers={"origin": "null"}, follow_redirects=False)
    assert null.status_code == 403
    same = county.post(f"/county/bodies/{body}/rename", data=data, headers={"origin": "http://testserver"}, follow_redirects=False)
    assert same.status_code == 303


def test_hsts_over_https_and_no_server_banner(app, world, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    secure = TestClient(app, base_url="https://testserver").get("/login")
    assert secure.headers["strict-transport-security"].startswith("max-age=31536000")
    assert "strict-transport-security" not in client_for(app).get("/login").headers
    import uvicorn

    from gongkai.portal import serving

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
    serving.serve(tmp_path, echo=False)
    assert seen["server_header"] is False and seen["host"] == "127.0.0.1"


def test_a_body_cannot_store_more_than_its_quota(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    size = len(sample_bytes("东山镇"))
    application = create_app(Settings(db_url, clock=clock, body_quota=int(size * 2.5)))
    try:
        with application.state.portal.session() as db:
            county_office(db, clock)
            admin = actors.system_actor(db, clock=clock)
            rnd = roster.create_round(db, admin, year=2025, orgs=COUNTY / "单位名单.csv")
            issued = {a.body.short_name: a for a in accounts.issue_accounts(db, admin, rnd.id)}
        east = client_for(application)
        account = issued["东山镇"]
        login(east, account.username, account.password)
        page = east.get("/password")
        east.post("/password", data={"old_password": account.password, "new_password": NEW_PASSWORD, "new_password2": NEW_PASSWORD, "csrf_token": csrf_of(page.text)})
        body = account.body.id
        assert _upload(east, body, sample_bytes("东山镇")).status_code == 303
        assert _upload(east, body, sample_bytes("东山镇")).status_code == 303
        third = _upload(east, body, sample_bytes("东山镇"))
        assert third.status_code == 413 and "上限" in third.text
        assert _count(application.state.portal, Version) == 2
    finally:
        application.state.portal.engine.dispose()


def test_a_request_body_that_stops_arriving_times_out() -> None:
    sent: list[dict] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive():  # type: ignore[no-untyped-def]
        if not sent:
            sent.append({})
            return {"type": "http.request", "body": b"a=1", "more_body": True}
        await asyncio.sleep(3600)  # the client never sends the rest

    messages: list[dict] = []

    async def send(message):  # type: ignore[no-untyped-def]
        messages.append(message)

    scope = {"type": "http", "method": "POST", "path": "/b/1/upload", "headers": [], "scheme": "http"}
    asyncio.run(asyncio.wait_for(SecurityHeaders(app, max_upload=1 << 20, timeout=0.2)(scope, receive, send), 10))
    assert messages[0]["status"] == 408
    assert "上传中断" in messages[1]["body"].decode()


def test_a_stamped_pdf_with_javascript_is_refused(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    vid = _version_id(_upload(east, body, sample_bytes("东山镇")))
    hostile = pdf_bytes("/OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    r = _submit(east, portal, body, vid, files={"stamped": ("盖章件.pdf", hostile, "application/pdf")})
    assert r.status_code == 415 and "JavaScript" in r.text
    launch = pdf_bytes("/OpenAction << /S /Launch /F (cmd.exe) >>")
    assert _submit(east, portal, body, vid, files={"stamped": ("盖章件.pdf", launch, "application/pdf")}).status_code == 415
    assert _count(portal, Submission) == 0
    ok = _submit(east, portal, body, vid, files={"stamped": ("盖章件.pdf", pdf_bytes(), "application/pdf")})
    assert ok.status_code == 303 and _count(portal, Submission) == 1


def test_head_changes_nothing(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    before = _count(portal, AuditEntry)
    r = east.head(f"/b/{body}/workbook")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert _count(portal, AuditEntry) == before
    with portal.session() as db:
        assert db.get(BodyRow, body).downloaded_at is None
    east.get(f"/b/{body}/workbook")
    assert _count(portal, AuditEntry) == before + 1


def test_refused_requests_for_another_body_are_audited(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    west = world.bodies["西山镇"]
    assert east.get(f"/b/{west}").status_code == 404
    assert east.get(f"/county/rounds/{world.round_id}").status_code == 404
    with portal.session() as db:
        denied = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "denied")))
    assert [(e.username, e.detail) for e in denied] == [
        (world.passwords["东山镇"][0], f"GET /b/{west}"),
        (world.passwords["东山镇"][0], f"GET /county/rounds/{world.round_id}"),
    ]


def test_file_names_lose_bidi_overrides_and_keep_the_content_type(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    vid = _version_id(_upload(east, body, sample_bytes("东山镇"), "报告\u202eslx.exe"))
    with portal.session() as db:
        name = db.get(Version, vid).filename
    assert name == "报告slx.xlsx"
    r = east.get(f"/b/{body}/v/{vid}/file")
    assert "%E2%80%AE" not in r.headers["content-disposition"] and ".xlsx" in r.headers["content-disposition"]
    long_name = _version_id(_upload(east, body, sample_bytes("东山镇"), "长" * 300 + ".xlsx"))
    with portal.session() as db:
        assert len(db.get(Version, long_name).filename) <= limits.MAX_FILENAME + 5


def test_expired_sessions_and_old_failures_are_purged(app, world, portal, clock) -> None:  # type: ignore[no-untyped-def]
    admin_client(app)
    login(client_for(app), "nobody", "wrong-password-1")
    assert _count(portal, SessionRow) == 1 and _count(portal, LoginFailure) == 1
    clock.advance(hours=13)
    admin_client(app)
    assert _count(portal, SessionRow) == 1  # the new one only
    assert _count(portal, LoginFailure) == 0
    assert _count(portal, AuditEntry, AuditEntry.action == "login_failed") == 1  # the log keeps it


def test_a_closed_rounds_accounts_stop(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    county = admin_client(app)
    refused = post(county, f"/county/rounds/{world.round_id}", f"/county/rounds/{world.round_id}/close")
    assert refused.status_code == 400 and "确认关闭" in refused.text
    r = post(county, f"/county/rounds/{world.round_id}", f"/county/rounds/{world.round_id}/close", {"confirm": "1"})
    assert r.status_code == 303
    assert east.get(f"/b/{body}", follow_redirects=False).headers["location"].startswith("/login")
    assert login(client_for(app), world.passwords["东山镇"][0], NEW_PASSWORD).status_code == 200
    assert 'id="round-closed"' in county.get(f"/county/rounds/{world.round_id}").text
    with portal.session() as db:
        assert all(u.disabled for u in db.scalars(select(User).where(User.role == "filer")))
        assert not db.scalar(select(User).where(User.username == "county")).disabled


def test_the_demos_admin_must_change_its_printed_password(db_url, clock) -> None:  # type: ignore[no-untyped-def]
    application = create_app(Settings(db_url, clock=clock))
    try:
        logins = seed_demo(application.state.portal)
        c = client_for(application)
        assert login(c, logins[0].username, logins[0].password).headers["location"] == "/password"
        assert c.get("/county", follow_redirects=False).headers["location"] == "/password"
        with application.state.portal.session() as db:
            last = [r for r in queries.rounds(db) if r.year == 2024][0]
            assert last.closed_at is not None
            body_ids = [b.id for b in queries.bodies(db, last.id)]
            assert all(u.disabled for u in db.scalars(select(User).where(User.body_id.in_(body_ids))))
    finally:
        application.state.portal.engine.dispose()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("深.json", b'{"body": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "嵌套层数过多"),
        ("大数.json", b'{"body": {"name": "x", "year": ' + b"9" * 5000 + b"}}", "位数过多"),
    ],
)
def test_hostile_json_is_a_message_in_the_cli_and_the_portal(app, world, tmp_path, name, data, expected) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from gongkai.cli import app as cli

    path = tmp_path / name
    path.write_bytes(data)
    result = CliRunner().invoke(cli, ["check", str(path)])
    assert result.exit_code == 2 and expected in result.output and "Traceback" not in result.output
    east = filer_client(app, world, "东山镇")
    r = _upload(east, world.bodies["东山镇"], data, name)
    assert r.status_code == 422 and expected in r.text
