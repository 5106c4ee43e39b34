"""催报 that reaches people: e-mail through the county's SMTP server and the 企业微信 / 钉钉 group
robots, against stand-in servers started here (an SMTP server and an HTTP server on 127.0.0.1).
Sends run in the background: the page answers first, every outcome is in the audit log."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import re
import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select

from gongkai.portal import actors, dashboard, queries, reminders, uploads, workflow
from gongkai.portal.db import (
    MIGRATIONS,
    AuditEntry,
    BodyRow,
    ReminderSend,
    ReminderSettings,
    User,
    make_engine,
)
from gongkai.reading import read_report
from portal_support import (
    COUNTY,
    admin_client,
    auditor_client,
    client_for,
    csrf_of,
    filer_client,
    post,
    sample_bytes,
)

MAIL_PASSWORD = "mail-Secret-Pass-1"
DING_SECRET = "SEC0123456789abcdef-ding"
WECOM_KEY = "wecom-key-must-not-show"
TITLE = "2025年度政府信息公开工作年度报告"


# --- stand-in servers -------------------------------------------------------------------------


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SMTPStandIn:
    """A minimal ESMTP server (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT) recording what it gets."""

    mails: list[Mail] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0


def _smtp_handler(record: SMTPStandIn) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def say(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            self.say("220 stand-in ESMTP")
            sender, recipients = "", []
            while line := self.rfile.readline():
                command_line = line.decode("utf-8", "replace").rstrip("\r\n")
                verb = command_line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    self.say("250-stand-in")
                    self.say("250-8BITMIME")
                    self.say("250 AUTH PLAIN")
                elif verb == "AUTH":
                    _, user, password = base64.b64decode(command_line.split()[2]).decode().split("\0")
                    record.logins.append((user, password))
                    self.say("235 2.7.0 accepted")
                elif verb == "MAIL":
                    sender, recipients = re.search(r"<(.*?)>", command_line).group(1), []  # type: ignore[union-attr]
                    self.say("250 OK")
                elif verb == "RCPT":
                    recipients.append(re.search(r"<(.*?)>", command_line).group(1))  # type: ignore[union-attr]
                    self.say("250 OK")
                elif verb == "DATA":
                    self.say("354 go on")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    parsed = message_from_bytes(data, policy=policy.default)
                    record.mails.append(Mail(sender, recipients, parsed))  # type: ignore[arg-type]
                    self.say("250 queued")
                elif verb == "QUIT":
                    self.say("221 bye")
                    return
                else:
                    self.say("250 OK")

    return Handler


@contextmanager
def smtp_stand_in() -> Iterator[SMTPStandIn]:
    record = SMTPStandIn()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _smtp_handler(record))
    server.daemon_threads = True
    record.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Hook:
    """What an HTTP stand-in received: path, query and JSON of each POST."""

    requests: list[tuple[str, dict[str, list[str]], Any]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)  # set: answer at once
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def hook_stand_in(*, hold: bool = False) -> Iterator[Hook]:
    """Both robots' webhooks. With ``hold`` it keeps each request until ``release`` is set."""
    hook = Hook()
    if not hold:
        hook.release.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            parts = urlsplit(self.path)
            hook.requests.append((parts.path, parse_qs(parts.query), json.loads(body)))
            hook.arrived.set()
            hook.release.wait(30)
            answer = json.dumps(hook.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    hook.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        hook.release.set()
        reminders.wait_idle(30)  # the worker is done with this server before it goes
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port nothing listens on: connecting is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _worker_done() -> Iterator[None]:
    """No test's sends outlive it (the database goes when the test ends)."""
    yield
    assert reminders.wait_idle(60), "reminders still being sent"


# --- helpers ----------------------------------------------------------------------------------


def configure(county, **fields: str):  # type: ignore[no-untyped-def]
    base = {"smtp_host": "", "smtp_port": "", "smtp_security": "none", "smtp_user": "", "smtp_password": "", "smtp_from": "",
            "wecom_url": "", "dingtalk_url": "", "dingtalk_secret": "", "portal_url": ""}
    r = post(county, "/county/reminders", "/county/reminders", {**base, **fields})
    assert r.status_code == 303, r.text
    return r


def filer_of(db, body_id: int) -> actors.Actor:  # type: ignore[no-untyped-def]
    return actors.Actor(db.scalar(select(User).where(User.body_id == body_id)), "test")


def submit(portal, world, short: str) -> int:  # type: ignore[no-untyped-def]
    body_id = world.bodies[short]
    with portal.session() as db:
        filer = filer_of(db, body_id)
        version = uploads.upload_version(db, filer, body_id, f"{short}.xlsx", sample_bytes(short))
        explanations = {i: "已核实" for i, f in enumerate(queries.findings_of(version)) if f.severity == "warning"}
        workflow.submit(db, filer, body_id, version_id=version.id, leader="李镇长", signed_on=filer.today(), explanations=explanations)
    return body_id


def upload_with_contact(portal, world, short: str, contact: str, phone: str) -> int:  # type: ignore[no-untyped-def]
    """An upload (not submitted) whose report gives a contact and phone in its preamble."""
    body_id = world.bodies[short]
    report = read_report(COUNTY / "2025" / f"{short}.xlsx")
    report = report.model_copy(update={"preamble": report.preamble.model_copy(update={"contact": contact, "phone": phone})})
    with portal.session() as db:
        uploads.upload_version(db, filer_of(db, body_id), body_id, f"{short}.json", report.model_dump_json().encode())
    return body_id


def names(portal, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return {short: db.get(BodyRow, i).name for short, i in world.bodies.items()}


def sends(portal) -> list[ReminderSend]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return list(db.scalars(select(ReminderSend).order_by(ReminderSend.id)))


def audit_of(portal, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def round_url(world) -> str:  # type: ignore[no-untyped-def]
    return f"/county/rounds/{world.round_id}"


def remind(county, world, data: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
    return post(county, round_url(world), f"{round_url(world)}/reminders", {"action": "all", **(data or {})})


def section(page: str) -> str:
    """The round page's 催报 section."""
    start = page.index('id="reminders"')
    return page[start : page.index("</section>", start)]


# --- tests ------------------------------------------------------------------------------------


def test_reminders_reach_the_mail_server_and_both_robots_for_unsubmitted_bodies_only(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    full = names(portal, world)
    submit(portal, world, "东山镇")
    from_report = upload_with_contact(portal, world, "西山镇", "党政办 王芳 xishan-office@example.gov.cn", "0591-1234567")
    county = admin_client(app)
    page = county.get(round_url(world)).text
    panel = section(page)
    assert f'id="email-{from_report}" value="xishan-office@example.gov.cn"' in panel and "取自该单位报告的联系方式" in panel
    assert f'id="remind-row-{world.bodies["东山镇"]}"' not in panel  # submitted: not on the list
    typed = {f"email_{i}": f"body{i}@example.gov.cn" for short, i in world.bodies.items() if short not in ("东山镇", "西山镇")}
    assert post(county, round_url(world), f"{round_url(world)}/reminders", {"action": "save", **typed}).status_code == 303
    expected = {f"body{i}@example.gov.cn" for short, i in world.bodies.items() if short not in ("东山镇", "西山镇")}
    expected.add("xishan-office@example.gov.cn")

    with smtp_stand_in() as smtp, hook_stand_in() as hook:
        configure(
            county, smtp_host="127.0.0.1", smtp_port=str(smtp.port), smtp_security="none", smtp_user="county-mail",
            smtp_password=MAIL_PASSWORD, smtp_from="gongkai@county.gov.cn",
            wecom_url=hook.url(f"/cgi-bin/webhook/send?key={WECOM_KEY}"),
            dingtalk_url=hook.url("/robot/send?access_token=ding-token"), dingtalk_secret=DING_SECRET,
            portal_url="https://gongkai.county.gov.cn/",
        )
        r = remind(county, world)
        assert r.status_code == 303 and "reminded=" in r.headers["location"]
        assert reminders.wait_idle(30)

    assert smtp.logins == [("county-mail", MAIL_PASSWORD)]
    assert {m.recipients[0] for m in smtp.mails} == expected and len(smtp.mails) == len(expected)
    by_address = {m.recipients[0]: m.message for m in smtp.mails}
    xishan = by_address["xishan-office@example.gov.cn"]
    assert xishan["To"] == "xishan-office@example.gov.cn" and xishan["From"] == "gongkai@county.gov.cn"
    assert TITLE in xishan["Subject"] and "催报" in xishan["Subject"]
    text = xishan.get_content()
    assert full["西山镇"] in text and "可提交" in text and "截止日期：2026年1月31日" in text
    assert "https://gongkai.county.gov.cn/" in text
    assert all(full["东山镇"] not in m.message.get_content() for m in smtp.mails)

    (wecom,) = [q for q in hook.requests if q[0] == "/cgi-bin/webhook/send"]
    (ding,) = [q for q in hook.requests if q[0] == "/robot/send"]
    assert wecom[1]["key"] == [WECOM_KEY]
    for _path, _query, payload in (wecom, ding):
        assert payload["msgtype"] == "text" and set(payload) == {"msgtype", "text"}
        content = payload["text"]["content"]
        assert TITLE in content and "截止日期：2026年1月31日" in content and "https://gongkai.county.gov.cn/" in content
        assert all(full[s] in content for s in full if s != "东山镇") and full["东山镇"] not in content
        assert len(content.encode()) <= 2048  # 企业微信's limit for a text message
    query = ding[1]
    assert query["access_token"] == ["ding-token"]
    stamp = query["timestamp"][0]
    expected_sign = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected_sign]  # parse_qs has undone the URL encoding

    rows = sends(portal)
    assert {r.status for r in rows} == {"sent"} and len(rows) == len(expected) + 2
    page = county.get(round_url(world)).text
    assert section(page).count('data-status="sent"') == len(rows)
    assert "已发送" in section(page)
    assert len(audit_of(portal, "reminder_sent")) == len(rows) and len(audit_of(portal, "reminder_queue")) == 1
    assert {e.body_id for e in audit_of(portal, "reminder_sent") if e.body_id} == {r.body_id for r in rows if r.body_id}
    log = auditor_client(app).get("/county/audit").text
    assert "催报已发送" in log and MAIL_PASSWORD not in log and DING_SECRET not in log


def test_only_the_ticked_bodies_get_one(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    full = names(portal, world)
    done = submit(portal, world, "东山镇")
    county = admin_client(app)
    west, south = world.bodies["西山镇"], world.bodies["南山镇"]
    with smtp_stand_in() as smtp, hook_stand_in() as hook:
        configure(county, smtp_host="127.0.0.1", smtp_port=str(smtp.port), smtp_from="gongkai@county.gov.cn",
                  wecom_url=hook.url("/cgi-bin/webhook/send?key=k"))
        r = post(county, round_url(world), f"{round_url(world)}/reminders", {
            "action": "ticked", "body": [str(west), str(south), str(done)],  # 东山镇 has submitted: ticked or not, none for it
            f"email_{west}": "west@example.gov.cn", f"email_{south}": "south@example.gov.cn",
        })
        assert r.status_code == 303
        assert reminders.wait_idle(30)
    assert sorted(m.recipients[0] for m in smtp.mails) == ["south@example.gov.cn", "west@example.gov.cn"]
    (request,) = hook.requests
    content = request[2]["text"]["content"]
    assert full["西山镇"] in content and full["南山镇"] in content and "以下 2 个单位尚未提交" in content
    assert full["东山镇"] not in content and full["北山镇"] not in content
    # Ticking nothing but asking for the ticked ones is refused, with nothing queued.
    before = len(sends(portal))
    r = post(county, round_url(world), f"{round_url(world)}/reminders", {"action": "ticked"})
    assert r.status_code == 400 and "请先勾选" in r.text and len(sends(portal)) == before


def test_the_dashboard_ticks_chase_too(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    """批量催报: the dashboard's ticks (the bulk form) go to 催报 by one button, without JavaScript."""
    full = names(portal, world)
    county = admin_client(app)
    west = world.bodies["西山镇"]
    page = county.get(round_url(world)).text
    button = re.search(r'<button[^>]*id="bulk-remind"[^>]*>', page)
    assert button and f'formaction="{round_url(world)}/reminders"' in button.group(0) and 'value="ticked"' in button.group(0)
    assert f'name="body" value="{west}" form="bulk-form"' in page  # the dashboard's tick belongs to that form
    with hook_stand_in() as hook:
        configure(county, wecom_url=hook.url("/cgi-bin/webhook/send?key=k"))
        # What the browser sends: the bulk form's fields, to the button's formaction.
        r = post(county, round_url(world), f"{round_url(world)}/reminders", {"action": "ticked", "body": str(west), "reason": "", "confirm": ""})
        assert r.status_code == 303
        assert reminders.wait_idle(30)
    (request,) = hook.requests
    content = request[2]["text"]["content"]
    assert full["西山镇"] in content and full["南山镇"] not in content


def test_a_dead_server_is_logged_as_failed_without_an_error_page(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    west, south = world.bodies["西山镇"], world.bodies["南山镇"]
    dead = closed_port()
    configure(county, smtp_host="127.0.0.1", smtp_port=str(dead), smtp_from="gongkai@county.gov.cn",
              wecom_url=f"http://127.0.0.1:{dead}/cgi-bin/webhook/send?key=k")
    r = remind(county, world, {f"email_{west}": "west@example.gov.cn", f"email_{south}": "south@example.gov.cn"})
    assert r.status_code == 303
    assert reminders.wait_idle(30)
    page = county.get(round_url(world))
    assert page.status_code == 200
    panel = section(page.text)
    rows = sends(portal)
    assert rows and {r.status for r in rows} == {"failed"}
    assert panel.count('data-status="failed"') == len(rows) and "连接被拒绝" in panel
    mailed = {r.body_id: r.detail for r in rows if r.channel == "email"}
    assert "连接被拒绝" in mailed[west] and f"127.0.0.1:{dead}" in mailed[west]
    assert "没有邮箱地址" in mailed[world.bodies["北山镇"]]  # no address: failed at once, and said why
    failed = audit_of(portal, "reminder_failed")
    assert len(failed) == len(rows) and any(e.body_id == west and "连接被拒绝" in e.detail for e in failed)
    assert any("企业微信群" in e.detail and e.body_id is None for e in failed)


def test_a_robot_that_refuses_is_a_failure_with_its_reason(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    with hook_stand_in() as hook:
        hook.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
        configure(county, wecom_url=hook.url("/cgi-bin/webhook/send?key=wrong"))
        assert remind(county, world).status_code == 303
        assert reminders.wait_idle(30)
    (row,) = sends(portal)
    assert row.status == "failed" and "93000" in row.detail and "invalid webhook url" in row.detail


def test_the_page_answers_before_the_send_finishes(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    with hook_stand_in(hold=True) as hook:
        configure(county, wecom_url=hook.url("/cgi-bin/webhook/send?key=k"))
        r = remind(county, world)
        assert r.status_code == 303  # answered while the robot has not answered (it cannot: not released)
        assert not hook.release.is_set()
        assert hook.arrived.wait(30)  # the send is under way in the background ...
        page = county.get(r.headers["location"].split("#")[0])
        panel = section(page.text)
        assert 'data-status="queued"' in panel and "排队中" in panel and "正在后台发送" in panel  # ... and still shown as queued
        hook.release.set()
        assert reminders.wait_idle(30)
    assert 'data-status="sent"' in section(county.get(round_url(world)).text)


def test_the_settings_page_never_echoes_a_secret(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    configure(county, smtp_host="smtp.county.gov.cn", smtp_port="465", smtp_security="ssl", smtp_user="gongkai",
              smtp_password=MAIL_PASSWORD, smtp_from="gongkai@county.gov.cn",
              wecom_url=f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={WECOM_KEY}",
              dingtalk_url="https://oapi.dingtalk.com/robot/send?access_token=ding-token-hidden", dingtalk_secret=DING_SECRET)
    page = county.get("/county/reminders?saved=1").text
    for secret in (MAIL_PASSWORD, DING_SECRET, WECOM_KEY, "ding-token-hidden"):
        assert secret not in page
    assert 'value="smtp.county.gov.cn"' in page and "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?…" in page
    assert 'id="settings-saved"' in page and "已保存，留空不修改" in page
    # Saving again with the secret fields blank keeps them; the 清除 boxes remove them.
    configure(county, smtp_host="smtp.county.gov.cn", smtp_port="465", smtp_security="ssl", smtp_from="gongkai@county.gov.cn")
    with portal.session() as db:
        row = db.get(ReminderSettings, 1)
        assert (row.smtp_password, row.dingtalk_secret, row.smtp_user) == (MAIL_PASSWORD, DING_SECRET, "")
        assert WECOM_KEY in row.wecom_url
    configure(county, smtp_host="smtp.county.gov.cn", smtp_from="gongkai@county.gov.cn", smtp_password_clear="1", wecom_url_clear="1")
    with portal.session() as db:
        row = db.get(ReminderSettings, 1)
        assert row.smtp_password == "" and row.wecom_url == "" and row.dingtalk_secret == DING_SECRET
    assert all(MAIL_PASSWORD not in e.detail and DING_SECRET not in e.detail for e in audit_of(portal, "reminder_settings"))
    # Addresses that are not http(s), and a header smuggled into an address, are refused.
    for bad in ({"wecom_url": "javascript:alert(1)"}, {"dingtalk_url": "ftp://x/robot"}, {"smtp_from": "a@b.cn\r\nBcc: x@y.cn"}):
        r = post(county, "/county/reminders", "/county/reminders", bad)
        assert r.status_code == 400, bad
    r = post(county, round_url(world), f"{round_url(world)}/reminders", {"action": "save", f"email_{world.bodies['西山镇']}": "x@y.cn\nBcc: z@w.cn"})
    assert r.status_code == 400 and "不是有效的邮箱地址" in r.text


def test_nothing_configured_or_a_closed_round_is_refused(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    r = remind(county, world)
    assert r.status_code == 409 and "催报设置" in r.text and not sends(portal)
    configure(county, wecom_url="http://127.0.0.1:9/cgi-bin/webhook/send?key=k")
    post(county, round_url(world), f"{round_url(world)}/close", {"confirm": "1"})
    r = remind(county, world)
    assert r.status_code == 409 and "已关闭" in r.text and not sends(portal)


def test_a_filer_gets_404_and_a_post_without_csrf_403(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    clerk = filer_client(app, world, "东山镇")
    own = f"/b/{world.bodies['东山镇']}"
    assert clerk.get("/county/reminders").status_code == 404
    assert post(clerk, own, "/county/reminders", {"wecom_url": "http://127.0.0.1:9/x"}).status_code == 404
    assert post(clerk, own, f"{round_url(world)}/reminders", {"action": "all"}).status_code == 404
    county = admin_client(app)
    assert county.post("/county/reminders", data={"wecom_url": "http://127.0.0.1:9/x"}).status_code == 403
    assert county.post(f"{round_url(world)}/reminders", data={"action": "all"}).status_code == 403
    assert client_for(app).post(f"{round_url(world)}/reminders", data={"action": "all"}).status_code == 403
    with portal.session() as db:
        assert db.get(ReminderSettings, 1) is None
    assert not sends(portal)


def test_a_hostile_body_name_shows_as_text(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    body = world.bodies["西山镇"]
    hostile = "<script>alert(1)</script>镇人民政府"
    r = post(county, f"/b/{body}", f"/county/bodies/{body}/rename", {"name": hostile, "short_name": "西山镇"})
    assert r.status_code == 303
    with hook_stand_in() as hook:
        configure(county, wecom_url=hook.url("/cgi-bin/webhook/send?key=k"))
        assert remind(county, world, {f"email_{body}": "west@example.gov.cn"}).status_code == 303
        assert reminders.wait_idle(30)
    (request,) = hook.requests
    assert hostile in request[2]["text"]["content"]  # plain text to the group, as the county named it
    panel = section(county.get(round_url(world)).text)
    assert "<script>" not in panel and "&lt;script&gt;alert(1)&lt;/script&gt;镇人民政府" in panel


def test_the_chase_list_carries_the_contact_and_phone(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    upload_with_contact(portal, world, "西山镇", "党政办 王芳", "0591-1234567")
    county = admin_client(app)
    ws = openpyxl.load_workbook(io.BytesIO(county.get(f"{round_url(world)}/chase.xlsx").content)).active
    header = [c.value for c in ws[1]]
    assert header[-2:] == ["联系人（联系单位）", "联系电话"]
    rows = {row[1]: row for row in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["西山镇"][-2:] == ("党政办 王芳", "0591-1234567")
    assert rows["北山镇"][-2:] == (None, None)  # no report yet: blank


def test_migration_0006_goes_down_and_up_again(db_url, app) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(db_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def run(step, revision: str) -> None:  # type: ignore[no-untyped-def]
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step(config, revision)

    tables = {"reminder_settings", "reminder_contacts", "reminder_sends"}
    assert tables <= set(inspect(engine).get_table_names())
    run(command.downgrade, "0005")  # below 0006, whatever later migrations there are
    assert not tables & set(inspect(engine).get_table_names())
    run(command.upgrade, "head")
    assert tables <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_dingtalk_sign_is_the_documented_one() -> None:
    # 钉钉's documented recipe: Base64(HMAC-SHA256(key=secret, timestamp + "\n" + secret)), URL-encoded.
    url = reminders.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=t", "SECabc", now_ms=1700000000000)
    digest = hmac.new(b"SECabc", b"1700000000000\nSECabc", hashlib.sha256).digest()
    sign = base64.b64encode(digest).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert url == f"https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000&sign={sign}"
    assert reminders.dingtalk_url("https://x/robot", "", now_ms=1) == "https://x/robot"  # no secret: no sign


def test_a_long_roster_is_cut_into_messages_a_robot_takes(portal, world) -> None:  # type: ignore[no-untyped-def]
    with portal.session() as db:
        rnd = queries.get_round(db, actors.system_actor(db), world.round_id)
        row = dashboard.dashboard(db, rnd, rnd.created_at)[0]
        texts = reminders.robot_texts(rnd, [row] * 200, "https://gongkai.county.gov.cn/", "Asia/Shanghai")
    assert len(texts) > 1 and all(len(t.encode()) <= 2048 for t in texts)
    assert sum(t.count(row.body.name) for t in texts) == 200
    assert texts[0].count("（第 1/") == 1 and all(TITLE in t and "https://gongkai.county.gov.cn/" in t for t in texts)


def test_csrf_field_is_on_the_forms(app, world) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    assert csrf_of(county.get("/county/reminders").text)
    assert 'action="/county/rounds/' in section(county.get(round_url(world)).text)


def test_starttls_is_never_dropped_for_a_clear_connection(app, portal, world) -> None:  # type: ignore[no-untyped-def]
    """A server that does not offer STARTTLS when the county chose it: the e-mails fail with the
    reason, none goes out unencrypted (the stand-in speaks no TLS at all)."""
    county = admin_client(app)
    west = world.bodies["西山镇"]
    with smtp_stand_in() as smtp:
        configure(county, smtp_host="127.0.0.1", smtp_port=str(smtp.port), smtp_security="starttls",
                  smtp_user="county-mail", smtp_password=MAIL_PASSWORD, smtp_from="gongkai@county.gov.cn")
        r = post(county, round_url(world), f"{round_url(world)}/reminders", {"action": "ticked", "body": str(west), f"email_{west}": "west@example.gov.cn"})
        assert r.status_code == 303
        assert reminders.wait_idle(30)
    assert smtp.mails == [] and smtp.logins == []  # neither the password nor the message went in clear
    (row,) = sends(portal)
    assert row.status == "failed" and "不支持所选的加密" in row.detail
