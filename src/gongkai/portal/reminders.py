"""催报: reminders to the bodies that have not submitted, by e-mail (the county's SMTP server)
and by the 企业微信 / 钉钉 group robots' webhooks.

A click on 催报 only writes one ``queued`` row per message and hands the rows to a background
worker: a slow or dead mail server never holds a page. The worker sends with timeouts, marks
each row ``sent`` or ``failed`` with the reason, and writes every outcome to the audit log.
The round page shows the latest rows.

The SMTP password and the DingTalk secret are kept in the database (sending needs them in
clear) and never put into a page; the robots' webhook addresses carry their key in the query
string, so pages show them without it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import queue
import re
import smtplib
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import quote_plus, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from .actors import Actor, require_admin
from .auditlog import audit
from .dashboard import DashboardRow, dashboard
from .db import BodyRow, ReminderContact, ReminderSend, ReminderSettings, Round, User, Version
from .errors import PortalError
from .limits import clip
from .localtime import zone_label
from .queries import latest_version
from .workflow import is_locked

log = logging.getLogger("gongkai.portal.reminders")

CHANNELS: dict[str, str] = {"email": "邮件", "wecom": "企业微信群", "dingtalk": "钉钉群"}
STATUSES: dict[str, str] = {"queued": "排队中", "sent": "已发送", "failed": "失败"}
SECURITIES: dict[str, str] = {"starttls": "STARTTLS（常用端口 587）", "ssl": "SSL/TLS（常用端口 465）", "none": "不加密（仅限内网）"}

SMTP_TIMEOUT = 15.0  # seconds for each step of talking to the mail server
HTTP_TIMEOUT = 10.0  # seconds for a webhook to answer
ROBOT_BYTES = 2000  # 企业微信 takes at most 2048 bytes of text in one message; 钉钉 more
STALE = dt.timedelta(hours=1)  # a row still queued after this was lost (the server restarted)
RECENT = 50  # sends shown on the round page

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
HOST = re.compile(r"[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]")


# --- settings ---------------------------------------------------------------------------------


def settings_of(db: Session) -> ReminderSettings:
    """The county's settings (a blank, unsaved row before the first save)."""
    row = db.get(ReminderSettings, 1)
    if row is None:
        row = ReminderSettings(
            id=1, smtp_host="", smtp_port=587, smtp_security="starttls", smtp_user="", smtp_password="", smtp_from="",
            wecom_url="", dingtalk_url="", dingtalk_secret="", portal_url="",
        )
    return row


def channels(row: ReminderSettings) -> list[str]:
    """The ways a reminder can go out with these settings."""
    found = []
    if row.smtp_host and row.smtp_from:
        found.append("email")
    if row.wecom_url:
        found.append("wecom")
    if row.dingtalk_url:
        found.append("dingtalk")
    return found


def mask_url(url: str) -> str:
    """A webhook address without its key (``?key=…``, ``?access_token=…``), for pages."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + ("?…" if parts.query else "")


def _line(value: str, limit: int, what: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise PortalError(f"{what}最多 {limit} 个字符。")
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise PortalError(f"{what}不能含有空格或换行。")
    return value


def _url(value: str, what: str) -> str:
    """Any http(s) address (a county may run its own relay; the tests point at 127.0.0.1)."""
    value = _line(value, 500, what)
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise PortalError(f"{what}应以 https:// 或 http:// 开头，如 https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    return value


def email_address(value: str, what: str = "邮箱地址") -> str:
    value = value.strip()
    if value and (len(value) > 254 or not EMAIL.fullmatch(value)):
        raise PortalError(f"{what}“{clip(value, 60)}”不是有效的邮箱地址，应形如 name@example.gov.cn。")
    return value


def save_settings(db: Session, actor: Actor, form: Callable[[str], str]) -> ReminderSettings:
    """Store the settings page's fields. A blank password, secret or webhook field keeps what is
    stored (the page never shows them); its 清除 box removes it."""
    require_admin(actor)
    row = settings_of(db)
    host = _line(form("smtp_host"), 255, "邮件服务器地址")
    if host and not HOST.fullmatch(host):
        raise PortalError("邮件服务器地址应是域名或 IP 地址，如 smtp.example.gov.cn。")
    port_text = form("smtp_port").strip() or "587"
    if not re.fullmatch(r"[0-9]{1,5}", port_text) or not 0 < int(port_text) < 65536:
        raise PortalError("端口应是 1 到 65535 之间的数字。")
    security = form("smtp_security") or "starttls"
    if security not in SECURITIES:
        raise PortalError("请选择加密方式。")
    sender = email_address(form("smtp_from"), "发件人地址")
    if host and not sender:
        raise PortalError("填了邮件服务器，还要填发件人地址。")
    changed: list[str] = []

    def put(name: str, value: str | int, label: str) -> None:
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(label)

    put("smtp_host", host, "邮件服务器")
    put("smtp_port", int(port_text), "端口")
    put("smtp_security", security, "加密方式")
    put("smtp_user", _line(form("smtp_user"), 255, "登录用户名"), "登录用户名")
    put("smtp_from", sender, "发件人")
    put("portal_url", _url(form("portal_url"), "系统网址"), "系统网址")
    for name, label, check in (
        ("smtp_password", "邮箱密码", lambda v: _line(v, 255, "邮箱密码")),
        ("wecom_url", "企业微信机器人地址", lambda v: _url(v, "企业微信机器人地址")),
        ("dingtalk_url", "钉钉机器人地址", lambda v: _url(v, "钉钉机器人地址")),
        ("dingtalk_secret", "钉钉加签密钥", lambda v: _line(v, 255, "钉钉加签密钥")),
    ):
        if form(f"{name}_clear") == "1":
            put(name, "", f"{label}（清除）")
        elif value := check(form(name)):
            put(name, value, label)
    row.updated_at = actor.now()
    db.add(row)  # the first save inserts the row
    audit(db, actor, "reminder_settings", "修改了：" + ("、".join(changed) if changed else "（无变化）"))
    db.commit()
    return row


# --- each body's e-mail address ---------------------------------------------------------------


def report_email(version: Version | None) -> str:
    """An e-mail address the body wrote into its latest report's contact fields (联系单位、
    联系地址、联系电话、全文查阅网站 or its own opening paragraph), else ``""``."""
    if version is None:
        return ""
    try:
        preamble = json.loads(version.report_json).get("preamble") or {}
    except (ValueError, AttributeError):
        return ""
    for key in ("contact", "address", "phone", "portal", "text"):
        value = preamble.get(key)
        if isinstance(value, str) and (found := EMAIL.search(value)):
            return found.group(0)
    return ""


@dataclass
class Pending:
    """A body a reminder would go to, with the address it would be mailed at."""

    row: DashboardRow
    email: str
    from_report: bool  # the address comes from the body's report, not from the county


def _contacts(db: Session, body_ids: Iterable[int]) -> dict[int, ReminderContact]:
    ids = list(body_ids)
    if not ids:
        return {}
    return {c.body_id: c for c in db.scalars(select(ReminderContact).where(ReminderContact.body_id.in_(ids)))}


def pending(db: Session, rnd: Round, rows: list[DashboardRow]) -> list[Pending]:
    """The round's bodies not yet submitted (open or returned), in roster order."""
    waiting = [r for r in rows if not is_locked(r.body.state)]
    contacts = _contacts(db, (r.body.id for r in waiting))
    found = []
    for r in waiting:
        contact = contacts.get(r.body.id)
        if contact is not None:
            found.append(Pending(r, contact.email, False))
        else:
            email = report_email(latest_version(db, r.body.id))
            found.append(Pending(r, email, bool(email)))
    return found


def save_emails(db: Session, actor: Actor, rnd: Round, typed: dict[int, str]) -> int:
    """The addresses the county typed on the round page; ``""`` means 不发邮件 even where the
    report names one. Returns how many changed."""
    require_admin(actor)
    rows = dashboard(db, rnd, actor.now(), actor.zone)
    shown = {p.row.body.id: p for p in pending(db, rnd, rows)}
    contacts = _contacts(db, shown)
    changed = 0
    for body_id, value in typed.items():
        p = shown.get(body_id)
        if p is None:
            continue  # submitted meanwhile, or not on this round
        email = email_address(value, f"{p.row.body.name}的邮箱")
        if email == p.email:
            continue
        contact = contacts.get(body_id)
        if contact is None:
            db.add(ReminderContact(body_id=body_id, email=email, updated_at=actor.now()))
        else:
            contact.email, contact.updated_at = email, actor.now()
        audit(db, actor, "reminder_email", f"{p.row.body.name}：{email or '（不发邮件）'}", body_id)
        changed += 1
    db.commit()
    return changed


# --- the messages -----------------------------------------------------------------------------


def _deadline(rnd: Round, zone: str) -> str:
    if rnd.deadline is None:
        return "截止日期：未设"
    return f"截止日期：{rnd.deadline.year}年{rnd.deadline.month}月{rnd.deadline.day}日（{zone_label(zone)}当天 24 时前）"


def _status(row: DashboardRow) -> str:
    return row.status_label + ("，已逾期" if row.late else "")


def email_text(rnd: Round, row: DashboardRow, portal_url: str, zone: str) -> tuple[str, str]:
    """The subject and text of one body's reminder e-mail."""
    subject = f"【催报】{rnd.title}：请尽快提交"
    text = "\n".join((
        f"{row.body.name}：",
        "",
        f"贵单位的“{rnd.title}”政府信息公开工作年度报告尚未提交，目前状态为“{_status(row)}”。",
        _deadline(rnd, zone) + "。",
        f"请登录填报系统 {portal_url} 下载或在线填写报告，核对无误后提交。",
        "",
        "县政务公开办",
    ))
    return subject, text


def robot_texts(rnd: Round, rows: list[DashboardRow], portal_url: str, zone: str) -> list[str]:
    """The group message naming every body reminded, cut into messages a robot accepts."""
    head = [f"【催报】{rnd.title}", _deadline(rnd, zone), f"以下 {len(rows)} 个单位尚未提交："]
    tail = [f"请登录填报系统 {portal_url} 填报并提交。"]
    lines = [f"{r.body.name}：{_status(r)}" for r in rows]
    size = lambda parts: len("\n".join(parts).encode())  # noqa: E731 - the robots count UTF-8 bytes
    chunks: list[list[str]] = [[]]
    room = ROBOT_BYTES - size(head + tail) - 40  # leaves room for （续 2/3）
    for line in lines:
        line = clip(line, 200)
        if chunks[-1] and size(chunks[-1] + [line]) > room:
            chunks.append([])
        chunks[-1].append(line)
    texts = []
    for i, chunk in enumerate(chunks, start=1):
        mark = [f"（第 {i}/{len(chunks)} 条）"] if len(chunks) > 1 else []
        texts.append("\n".join(head + mark + chunk + tail))
    return texts


# --- queueing ---------------------------------------------------------------------------------


def queue_reminders(
    db: Session, actor: Actor, rnd: Round, *, ticked: list[int] | None, portal_url: str,
    sessions: sessionmaker,
) -> list[ReminderSend]:
    """Queue a reminder to each body not yet submitted (only the ticked ones when any are):
    an e-mail each, and one message to each configured group robot. Returns at once."""
    require_admin(actor)
    if rnd.closed_at is not None:
        raise PortalError("本报送年度已关闭，不能再催报。", 409)
    settings = settings_of(db)
    ways = channels(settings)
    if not ways:
        raise PortalError("还没有设置催报方式：请先在“催报设置”中填写邮件服务器或企业微信、钉钉群机器人。", 409)
    portal_url = settings.portal_url or portal_url
    now = actor.now()
    rows = dashboard(db, rnd, now, actor.zone)
    targets = pending(db, rnd, rows)
    if ticked:
        chosen = set(ticked)
        targets = [p for p in targets if p.row.body.id in chosen]
    if not targets:
        raise PortalError("没有需要催报的单位：勾选的单位都已提交。" if ticked else "所有单位都已提交，不需要催报。", 409)
    user_id = actor.user.id if actor.user else None
    sends: list[ReminderSend] = []
    if "email" in ways:
        for p in targets:
            subject, text = email_text(rnd, p.row, portal_url, actor.zone)
            send = ReminderSend(
                round_id=rnd.id, body_id=p.row.body.id, channel="email", target=p.email, status="queued",
                text=f"{subject}\n\n{text}", user_id=user_id, created_at=now, detail="",
            )
            if not p.email:  # nothing to try: say so now, do not wait for the worker
                send.status, send.detail, send.finished_at = "failed", "没有邮箱地址：请在报送年度页面的“催报”中填写该单位的邮箱。", now
                audit(db, actor, "reminder_failed", f"邮件（{p.row.body.name}）：{send.detail}", p.row.body.id)
            sends.append(send)
    for way, url in (("wecom", settings.wecom_url), ("dingtalk", settings.dingtalk_url)):
        if way in ways:
            for text in robot_texts(rnd, [p.row for p in targets], portal_url, actor.zone):
                sends.append(ReminderSend(
                    round_id=rnd.id, body_id=None, channel=way, target=urlsplit(url).netloc[:255], status="queued",
                    text=text, user_id=user_id, created_at=now, detail="",
                ))
    db.add_all(sends)
    names = "、".join(CHANNELS[w] for w in ways)
    audit(db, actor, "reminder_queue", f"{rnd.title}：催报 {len(targets)} 个单位（{names}）")
    db.commit()
    _enqueue(_Job(sessions, actor.clock, actor.zone, user_id, actor.address, [s.id for s in sends if s.status == "queued"]))
    return sends


@dataclass
class SendView:
    row: ReminderSend
    body_name: str
    status_label: str

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.row.channel, self.row.channel)


def recent(db: Session, rnd: Round, now: dt.datetime, limit: int = RECENT) -> list[SendView]:
    """The round's latest sends, newest first."""
    rows = list(db.scalars(
        select(ReminderSend).where(ReminderSend.round_id == rnd.id).order_by(ReminderSend.id.desc()).limit(limit)
    ))
    names = {b.id: b.name for b in db.scalars(select(BodyRow).where(BodyRow.id.in_({r.body_id for r in rows if r.body_id})))}
    views = []
    for r in rows:
        label = STATUSES.get(r.status, r.status)
        if r.status == "queued" and now - r.created_at > STALE:
            label = "未完成（发送中断，请重新催报）"
        views.append(SendView(r, names.get(r.body_id, "") if r.body_id else "", label))
    return views


def panel(db: Session, rnd: Round, rows: list[DashboardRow], now: dt.datetime, queued: str = "") -> dict[str, object]:
    """What the round page's 催报 section shows."""
    settings = settings_of(db)
    return {
        "pending": pending(db, rnd, rows),
        "channels": [CHANNELS[c] for c in channels(settings)],
        "recent": recent(db, rnd, now),
        "queued": queued if queued.isdigit() else "",
    }


# --- the worker -------------------------------------------------------------------------------


@dataclass
class _Job:
    sessions: sessionmaker
    clock: Callable[[], dt.datetime]
    zone: str
    user_id: int | None
    address: str
    send_ids: list[int]


_jobs: queue.Queue[_Job] = queue.Queue()
_worker_lock = threading.Lock()
_worker: threading.Thread | None = None


def _enqueue(job: _Job) -> None:
    global _worker
    if not job.send_ids:
        return
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            # One worker for the process: sends go out one at a time, which also keeps within
            # the robots' 20 messages a minute and a mail server's connection limits.
            _worker = threading.Thread(target=_work, name="gongkai-reminders", daemon=True)
            _worker.start()
    _jobs.put(job)


def _work() -> None:
    while True:
        job = _jobs.get()
        try:
            _run(job)
        except Exception:  # never let one job end the worker; its rows stay 排队中 and show as lost
            log.exception("reminder job failed")
        finally:
            _jobs.task_done()


def wait_idle(timeout: float = 60.0) -> bool:
    """Wait until every queued job has been sent (tests; a clean shutdown)."""
    end = time.monotonic() + timeout
    with _jobs.all_tasks_done:
        while _jobs.unfinished_tasks:
            left = end - time.monotonic()
            if left <= 0 or not _jobs.all_tasks_done.wait(left):
                return False
    return True


def _run(job: _Job) -> None:
    with job.sessions() as db:
        user = db.get(User, job.user_id) if job.user_id else None
        actor = Actor(user, job.address, job.clock, job.zone)
        settings = settings_of(db)
        mailer = _Mailer(settings)
        try:
            for send_id in job.send_ids:
                send = db.get(ReminderSend, send_id)
                if send is None or send.status != "queued":
                    continue
                body = db.get(BodyRow, send.body_id) if send.body_id else None
                db.commit()  # no transaction stays open while a slow server is waited for
                try:
                    if send.channel == "email":
                        mailer.send(_email(settings, send))
                    elif send.channel == "wecom":
                        post_json(settings.wecom_url, _robot_payload(send.text))
                    elif send.channel == "dingtalk":
                        post_json(dingtalk_url(settings.dingtalk_url, settings.dingtalk_secret), _robot_payload(send.text))
                    else:
                        raise SendError("未知的发送方式")
                except Exception as exc:  # noqa: BLE001 - every failure is the row's reason, none is the page's
                    server = f"{settings.smtp_host}:{settings.smtp_port}" if send.channel == "email" else send.target
                    send.status, send.detail = "failed", reason(exc, server)
                else:
                    send.status, send.detail = "sent", ""
                send.finished_at = actor.now()
                where = f"{CHANNELS.get(send.channel, send.channel)} → {send.target}" + (f"（{body.name}）" if body else "")
                if send.status == "sent":
                    audit(db, actor, "reminder_sent", where, send.body_id)
                else:
                    audit(db, actor, "reminder_failed", f"{where}：{send.detail}", send.body_id)
                db.commit()
        finally:
            mailer.close()


# --- sending ----------------------------------------------------------------------------------


class SendError(Exception):
    """A refusal the far side gave in its answer (a robot's errcode), in Chinese."""


def _robot_payload(text: str) -> dict[str, object]:
    return {"msgtype": "text", "text": {"content": text}}


def dingtalk_url(url: str, secret: str, now_ms: int | None = None) -> str:
    """The webhook address with 钉钉's 加签: ``timestamp`` (ms) and ``sign`` =
    Base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded. The timestamp is the
    real time (钉钉 refuses one more than an hour off), not the portal's clock."""
    if not secret:
        return url
    stamp = now_ms if now_ms is not None else int(time.time() * 1000)
    digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = quote_plus(base64.b64encode(digest).decode())
    return f"{url}{'&' if urlsplit(url).query else '?'}timestamp={stamp}&sign={sign}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A webhook that redirects is misconfigured; following it would re-send the key elsewhere."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post_json(url: str, payload: dict[str, object], timeout: float = HTTP_TIMEOUT) -> None:
    """POST ``payload`` as JSON; a robot's non-zero ``errcode`` is a failure."""
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"})
    with _OPENER.open(request, timeout=timeout) as response:
        answer = response.read(65536)
    try:
        parsed = json.loads(answer)
    except ValueError:
        return  # a relay answering 200 with plain text took it
    if isinstance(parsed, dict) and str(parsed.get("errcode", 0)) != "0":
        raise SendError(f"机器人回应错误 {parsed.get('errcode')}：{clip(str(parsed.get('errmsg', '')), 200)}")


def _email(settings: ReminderSettings, send: ReminderSend) -> EmailMessage:
    subject, _, text = send.text.partition("\n\n")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_from
    message["To"] = send.target
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    message.set_content(text)
    return message


class _Mailer:
    """One SMTP connection for a job's e-mails, opened at the first one. When the server cannot
    be reached, the job's other e-mails fail with the same reason at once instead of each
    waiting out its own timeout."""

    def __init__(self, settings: ReminderSettings) -> None:
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None
        self.broken: BaseException | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if s.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=SMTP_TIMEOUT)
        try:
            smtp.ehlo()
            if s.smtp_security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self.broken is not None:
            raise self.broken
        for attempt in (1, 2):
            try:
                if self.smtp is None:
                    try:
                        self.smtp = self._connect()
                    except (OSError, smtplib.SMTPException) as exc:
                        self.broken = exc
                        raise
                self.smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                self.smtp = None  # the server hung up between two e-mails: connect again once
                if attempt == 2:
                    raise

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


def reason(exc: BaseException, where: str = "") -> str:
    """Why a send failed, in words a county office can act on (the technical cause after it);
    ``where`` names the server tried."""
    cause = clip(f"{type(exc).__name__}: {exc}", 200)
    if isinstance(exc, SendError):
        return str(exc)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        text = "邮件服务器拒绝登录：请检查登录用户名和密码（或授权码）"
    elif isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "邮件服务器拒收该收件地址"
    elif isinstance(exc, smtplib.SMTPSenderRefused):
        text = "邮件服务器拒绝了发件人地址"
    elif isinstance(exc, smtplib.SMTPNotSupportedError):
        text = "邮件服务器不支持所选的加密或登录方式"
    elif isinstance(exc, smtplib.SMTPException):
        text = "邮件服务器拒绝发送"
    elif isinstance(exc, urllib.error.HTTPError):
        text = f"机器人地址回应 HTTP {exc.code}"
    elif isinstance(exc, urllib.error.URLError):
        return reason(exc.reason, where) if isinstance(exc.reason, BaseException) else f"无法连接机器人地址（{cause}）"
    elif isinstance(exc, ssl.SSLError):
        text = "加密连接失败：请检查加密方式和端口"
    elif isinstance(exc, ConnectionRefusedError):
        text = "连接被拒绝：请检查服务器地址和端口" + (f"（{where}）" if where else "")
    elif isinstance(exc, socket.gaierror):
        text = "找不到该服务器：请检查地址"
    elif isinstance(exc, (TimeoutError, socket.timeout)):
        text = "连接超时：服务器没有回应"
    elif isinstance(exc, OSError):
        text = "网络连接失败"
    else:
        text = "发送失败"
    return f"{text}（{cause}）"
