"""The portal's web application: Starlette routes, a few lines each, over the use-case
modules (:mod:`.accounts`, :mod:`.roster`, :mod:`.uploads`, :mod:`.versions`, :mod:`.workflow`,
:mod:`.exports`, :mod:`.queries`; :mod:`.service` re-exports them for scripts).

Every route goes through :func:`handler`, which opens the database session, loads the
server-side session from the cookie, refuses a POST without the form's CSRF token (403),
sends nobody to the login page, sends a first login to the password change, and turns
``NotFound`` — also what a user gets for another body's page — into a 404.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import pass_context
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import format as fmt
from ..checks.labels import NARRATIVE_FIELDS
from ..context import build_context
from ..errors import GongkaiError
from ..findings import SEVERITY_LABELS
from ..formdata import form_fields, form_values
from . import (
    accounts,
    auditlog,
    bulk,
    dashboard,
    editor,
    exports,
    limits,
    localtime,
    pointing,
    policy,
    queries,
    reminders,
    roles,
    roster,
    security,
    staff,
    timeline,
    twofactor,
    uploads,
    versions,
    views,
    workbooks,
    workflow,
)
from .actors import Actor
from .db import AuditEntry, SessionRow, User, make_engine, session_factory, upgrade
from .errors import NotFound, PortalError
from .keys import NO_KEYS, Keys
from .roles import DUTY_NAMES, Duty

HERE = Path(__file__).parent
log = logging.getLogger("gongkai.portal")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# The report preview is the library's portal page, styled inline by design: it may use
# inline styles, but no script at all.
PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'"


@dataclass
class Settings:
    """How a portal runs. ``clock`` returns naive UTC; tests move it to expire sessions."""

    database_url: str
    max_upload: int = limits.DEFAULT_MAX_UPLOAD
    clock: Callable[[], dt.datetime] = security.utcnow
    body_quota: int = limits.DEFAULT_BODY_QUOTA  # all files one body may store
    body_timeout: float = 30.0  # seconds a request body may pause between two chunks
    zone: str = localtime.DEFAULT_ZONE  # the zone times are shown in (北京时间)
    admin_networks: tuple[str, ...] = ()  # where county accounts may be used from; () anywhere
    password_max_days: int = 180  # a password older than this must be changed (0: never)
    require_two_factor: bool = False  # serve --require-2fa: every county account uses TOTP
    keys: Keys = NO_KEYS  # from the key file outside the database: the audit chain's HMAC, SM4 for files
    extra: dict[str, Any] = field(default_factory=dict)


class Portal:
    """The database behind a portal: engine, sessions, schema upgraded on open."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        upgrade(self.engine)
        self.sessions: sessionmaker = session_factory(self.engine, settings.keys)
        with self.sessions() as db:
            if settings.keys.audit is not None:
                auditlog.seal_head(db)
            elif auditlog.keyed(db):
                self.engine.dispose()
                raise GongkaiError("操作日志使用带密钥的校验，须给出本系统的密钥文件（--key-file）才能启动。")
        self.last_purge = dt.datetime.min

    def session(self) -> Session:
        return self.sessions()


def open_portal(database_url: str, **kwargs: Any) -> Portal:
    return Portal(Settings(database_url, **kwargs))


# --- request plumbing -------------------------------------------------------------------------


def _https(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie(request: Request) -> str:
    return "__Host-gongkai-session" if _https(request) else "gongkai-session"


def csrf_cookie(request: Request) -> str:
    return "__Host-gongkai-csrf" if _https(request) else "gongkai-csrf"


def _set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=_https(request))


def address(request: Request) -> str:
    return request.client.host if request.client else ""


@dataclass
class Ctx:
    request: Request
    db: Session
    portal: Portal
    actor: Actor
    session: SessionRow | None
    form: FormData | None
    csrf: str  # the token to put in this page's forms
    greeted: bool = False  # this page shows the last-login notice

    @property
    def user(self) -> User | None:
        return self.actor.user

    def render(self, name: str, status: int = 200, **values: Any) -> Response:
        values.setdefault("message", "")
        if self.session is not None and self.session.greet and self.user is not None:
            values["login_notice"] = last_login_notice(self.user, self.actor)
            self.greeted = True  # _run clears the session's flag once this page is made
        response = templates.TemplateResponse(
            self.request,
            name,
            {"user": self.user, "duties": {d.value for d in self.actor.duties}, "csrf": self.csrf, "fmt": fmt, "zone": self.actor.zone, **values},
            status_code=status,
        )
        if self.session is None and not self.request.cookies.get(csrf_cookie(self.request)):
            _set_cookie(self.request, response, csrf_cookie(self.request), self.csrf)
        return response

    def text(self, name: str) -> str:
        value = self.form.get(name, "") if self.form is not None else ""
        return value if isinstance(value, str) else ""

    def redirect(self, url: str) -> Response:
        return RedirectResponse(url, status_code=303)


# The county pages that show bodies: the 系统管理员 (roster, accounts) and the 审核员 (review).
BODY_PAGES = (Duty.SYSTEM, Duty.REVIEW)
COUNTY_DUTIES = tuple(Duty)  # any county account: its own settings (双因素登录)


def handler(*, login: bool = True, duty: tuple[Duty, ...] = ()) -> Callable[[Callable[[Ctx], Response]], Callable]:
    """Wrap a synchronous page function: database session, authentication, CSRF, errors.
    ``duty``: a county page, for accounts holding one of these duties (三员分立); others get 404."""

    def wrap(fn: Callable[[Ctx], Response]) -> Callable:
        async def endpoint(request: Request) -> Response:
            form = None
            if request.method == "POST":
                form = await request.form(max_files=4, max_fields=1000)
            try:
                return await run_in_threadpool(_run, fn, request, form, login, duty)
            finally:
                if form is not None:
                    await form.close()

        endpoint.__name__ = fn.__name__
        endpoint.__doc__ = fn.__doc__
        return endpoint

    return wrap


def _run(fn: Callable[[Ctx], Response], request: Request, form: FormData | None, login: bool, duty: tuple[Duty, ...]) -> Response:
    portal: Portal = request.app.state.portal
    clock = portal.settings.clock
    with portal.session() as db:
        if request.method == "HEAD":
            # HEAD answers what GET would and changes nothing: the GET page runs, and what it
            # would have written (a download's log line, 已下载) is rolled back.
            db.commit = db.flush  # type: ignore[method-assign]
        found = security.load_session(db, request.cookies.get(session_cookie(request)), clock())
        session, user = found if found else (None, None)
        csrf = session.csrf if session else (request.cookies.get(csrf_cookie(request)) or secrets.token_urlsafe(32))
        ctx = Ctx(request, db, portal, Actor(user, address(request), clock, portal.settings.zone), session, form, csrf)
        if request.method == "POST":
            if not _same_origin(request):
                return PlainTextResponse("请求来自其他网站，已拒绝。请在本系统的页面上操作。", status_code=403)
            given = form.get("csrf_token") if form is not None else None
            if not security.csrf_ok(csrf if (session or request.cookies.get(csrf_cookie(request))) else None, given if isinstance(given, str) else None):
                return PlainTextResponse("请求缺少有效的安全令牌（CSRF），已拒绝。请刷新页面后重试。", status_code=403)
        if login and user is None:
            if request.method == "POST":
                return PlainTextResponse("请先登录。", status_code=403)
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        if user is not None and user.role == "admin" and not security.address_allowed(ctx.actor.address, portal.settings.admin_networks):
            # A county session carried to a terminal outside the management networks ends here.
            if session is not None:
                db.delete(session)
            auditlog.audit(db, ctx.actor, "admin_address_refused", f"{request.method} {request.url.path}")
            db.commit()
            return ctx.render("error.html", 403, title="不能在这里使用", user=None, message=ADMIN_ELSEWHERE)
        if session is not None and session.second_factor_due and fn.__name__ not in ("two_factor_login", "logout"):
            # Password right, code not yet given: nothing else is open to this session.
            if request.method == "POST":
                return PlainTextResponse("请先输入双因素登录的动态码。", status_code=403)
            return RedirectResponse("/login/two-factor", status_code=303)
        if login and user is not None and must_change_password(db, user, portal.settings, clock()) and fn.__name__ not in ("password_page", "logout"):
            return RedirectResponse("/password", status_code=303)
        if (
            user is not None and user.role == "admin" and fn.__name__ not in ("two_factor_page", "password_page", "logout")
            and not twofactor.enrolled(user) and twofactor.required(db, portal.settings.require_two_factor)
        ):
            if request.method == "POST":
                return PlainTextResponse("按安全策略，请先启用双因素登录。", status_code=403)
            return RedirectResponse("/account/two-factor", status_code=303)
        if duty and fn.__name__ not in STAFF_PAGES and ctx.actor.can(Duty.SYSTEM) and staff.bootstrap_open(db):
            # 三员分立 from the first day: the 系统管理员 names the 安全管理员 and 审计管理员 first.
            if request.method == "POST":
                return PlainTextResponse("请先在“县级账号”页面指定安全管理员和审计管理员。", status_code=403)
            return RedirectResponse("/county/staff", status_code=303)
        try:
            if duty and not ctx.actor.can(*duty):
                raise NotFound()
            response = fn(ctx)
            if ctx.greeted and session is not None:
                _greeted(db, session.token_hash)
            return response
        except NotFound:
            db.rollback()
            if user is not None:  # another body's page, a county page, or an id that does not exist
                auditlog.audit(db, ctx.actor, "denied", f"{request.method} {request.url.path}", None)
                db.commit()
            return ctx.render("error.html", 404, title="找不到", message="找不到该页面或文件。")
        except PortalError as exc:
            db.rollback()
            return ctx.render("error.html", exc.status, title="无法完成", message=str(exc))
        except GongkaiError as exc:  # the library's refusal of a file (a roster, a zip): its own words
            db.rollback()
            return ctx.render("error.html", 422, title="无法完成", message=str(exc))


def password_days(db: Session, settings: Settings) -> int:
    """How old a password may grow: the 安全管理员's policy, else the deployment's ``--password-days``."""
    return policy.current(db).password_days(settings.password_max_days)


STAFF_PAGES = ("staff_page", "staff_action", "two_factor_page")  # open while the officers are still to be named


def must_change_password(db: Session, user: User, settings: Settings, now: dt.datetime) -> bool:
    """An initial or reset password, or one older than the policy allows: only /password until changed."""
    return user.must_change or security.password_expired(user.password_changed_at or user.created_at, now, password_days(db, settings))


def last_login_notice(user: User, actor: Actor) -> str:
    """Shown on the first page after login (等保 身份鉴别): when and from where the login before this one was."""
    if user.previous_login_at is None:
        return "这是本账号的首次登录。"
    return f"上次登录：{actor.when(user.previous_login_at)}，来自 {user.previous_login_address or '未知地址'}"


def _greeted(db: Session, token_hash: str) -> None:
    """The page is made: whatever the page left uncommitted goes (as it would), the notice is not shown again."""
    db.rollback()
    row = db.get(SessionRow, token_hash)
    if row is not None:
        row.greet = False
        db.commit()


def _same_origin(request: Request) -> bool:
    """A POST's Origin, when the browser sends one, must be this site (beside the CSRF token)."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def download(name: str, data: bytes, media_type: str) -> Response:
    """A file download with an RFC 5987 UTF-8 file name (and an ASCII fallback)."""
    name = limits.upload_name(name)
    fallback = "".join(c if c.isascii() and c.isalnum() or c in "._-" else "_" for c in name) or "download"
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA = {".xlsx": XLSX, ".json": "application/json", ".docx": DOCX, ".pdf": "application/pdf", ".zip": "application/zip"}


_ID = re.compile(r"[0-9]{1,10}")
_INDEX = re.compile(r"[0-9]{1,5}")  # a finding's number in a form field name (explain_3)
MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's rowids are larger, but no id here ever is


def parse_id(value: object) -> int | None:
    """An id as routes, forms and query strings give it: ASCII digits only (full-width ``１１``
    or ``²`` are no alias of 11 or 2), at most :data:`MAX_ID`; else ``None``."""
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def _int(value: str) -> int:
    number = parse_id(value)
    if number is None:
        raise NotFound()
    return number


def _file(ctx: Ctx, name: str) -> tuple[str, bytes] | None:
    item = ctx.form.get(name) if ctx.form is not None else None
    if not isinstance(item, UploadFile) or not item.filename:
        return None
    return item.filename, item.file.read()


# --- login and passwords ----------------------------------------------------------------------

LOGIN_FAILED = "用户名或密码不正确。连续输错多次会暂时锁定；忘记密码请联系县政务公开办重置。"


def _login_wait(wait: dt.timedelta) -> str:
    """Said only once a name (existing or not: both lock alike) or this address is refused."""
    return f"登录失败次数过多，已暂时锁定，请 {security.wait_minutes(wait)} 分钟后再试；也可以请县政务公开办解除锁定或重置密码。"


@handler(login=False)
def login_page(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        return ctx.render("login.html", title="登录", next=ctx.request.query_params.get("next", ""))
    username, password = ctx.text("username").strip(), ctx.text("password")
    now, where = ctx.actor.now(), ctx.actor.address
    target = ctx.text("next")
    _purge(ctx.portal, ctx.db, now)
    shown = limits.clip(username, limits.MAX_NAME)  # no account name is longer: never log more
    wait = security.wait_for(ctx.db, username, where, now)
    checked = wait <= dt.timedelta(0)
    if not checked:
        user = None
        auditlog.audit(ctx.db, Actor(None, where, ctx.actor.clock), "login_failed", f"{shown}（已锁定或需等待）")
    else:
        user = security.authenticate(ctx.db, username, password, where, now)
        if user is None:
            auditlog.audit(ctx.db, Actor(None, where, ctx.actor.clock), "login_failed", shown)
            ctx.db.flush()
            wait = security.wait_for(ctx.db, username, where, now)  # this failure may be the one that locks
    if user is None:
        ctx.db.commit()
        message = LOGIN_FAILED if wait <= dt.timedelta(0) else _login_wait(wait)
        if checked and wait > dt.timedelta(0):
            message = "用户名或密码不正确。" + message  # this try was checked; the ones refused unchecked say nothing of it
        return ctx.render("login.html", 200, title="登录", message=message, next=target)
    if user.role == "admin" and user.pending:
        auditlog.audit(ctx.db, Actor(user, where, ctx.actor.clock), "login_pending", user.username)
        ctx.db.commit()
        return ctx.render("login.html", 403, title="登录", message=PENDING, next=target)
    if user.role == "admin" and not security.address_allowed(where, ctx.portal.settings.admin_networks):
        auditlog.audit(ctx.db, Actor(user, where, ctx.actor.clock), "admin_address_refused", f"登录 {user.username}")
        ctx.db.commit()
        return ctx.render("login.html", 403, title="登录", message=ADMIN_ELSEWHERE, next=target)
    if ctx.session is not None:
        ctx.db.delete(ctx.session)
    if user.role == "admin" and twofactor.enrolled(user):
        token, row = security.new_session(ctx.db, user, now)
        row.second_factor_due = True
        auditlog.audit(ctx.db, Actor(user, where, ctx.actor.clock), "login_first_factor", user.username)
        ctx.db.commit()
        response = ctx.redirect("/login/two-factor" + (f"?next={quote(target)}" if target else ""))
        _set_cookie(ctx.request, response, session_cookie(ctx.request), token)
        return response
    return _logged_in(ctx, user, target, user.username)


def _logged_in(ctx: Ctx, user: User, target: str, detail: str) -> Response:
    """Every factor given: a fresh session (never the one the factors were given in), the last
    login remembered for the notice, the login logged, and on to ``target``."""
    now, where = ctx.actor.now(), ctx.actor.address
    if ctx.session is not None and ctx.session.user_id == user.id:
        ctx.db.delete(ctx.session)
    token, row = security.new_session(ctx.db, user, now)
    row.greet = True
    user.previous_login_at, user.previous_login_address = user.last_login_at, user.last_login_address
    user.last_login_at, user.last_login_address = now, limits.clip(where, 64)
    auditlog.audit(ctx.db, Actor(user, where, ctx.actor.clock), "login", detail, user.body_id)
    ctx.db.commit()
    if must_change_password(ctx.db, user, ctx.portal.settings, now):
        target = "/password"
    elif not target.startswith("/") or target.startswith("//"):
        target = "/"
    response = ctx.redirect(target)
    _set_cookie(ctx.request, response, session_cookie(ctx.request), token)
    return response


@handler()
def two_factor_login(ctx: Ctx) -> Response:
    """The second step of a county login: the authenticator's code, or a recovery code."""
    assert ctx.user is not None
    target = ctx.text("next") if ctx.request.method == "POST" else ctx.request.query_params.get("next", "")
    if ctx.session is None or not ctx.session.second_factor_due:
        return ctx.redirect("/")
    shown = dict(title="双因素登录", user=None, next=target, issuer=twofactor.ISSUER)
    if ctx.request.method == "GET":
        return ctx.render("login_two_factor.html", **shown)
    user, now, where = ctx.user, ctx.actor.now(), ctx.actor.address
    wait = security.wait_for(ctx.db, user.username, where, now)
    if wait > dt.timedelta(0):
        auditlog.audit(ctx.db, ctx.actor, "two_factor_failed", f"{user.username}（已锁定或需等待）")
        ctx.db.commit()
        return ctx.render("login_two_factor.html", 200, message=_login_wait(wait), **shown)
    how = twofactor.check_code(ctx.db, user, ctx.text("code"), now)
    if how is None:
        security.record_failure(ctx.db, user.username, where, now)
        auditlog.audit(ctx.db, ctx.actor, "two_factor_failed", user.username)
        ctx.db.commit()
        wait = security.wait_for(ctx.db, user.username, where, now)
        message = "动态码不正确，或已经用过。" + (_login_wait(wait) if wait > dt.timedelta(0) else "")
        return ctx.render("login_two_factor.html", 200, message=message, **shown)
    left = twofactor.recovery_left(ctx.db, user)
    detail = f"{user.username}（{how}" + (f"，还剩 {left} 个恢复码）" if how == "恢复码" else "）")
    return _logged_in(ctx, user, target, detail)


PENDING = "该账号已由系统管理员建立，还没有被安全管理员启用。请联系县政务公开办的安全管理员。"
ADMIN_ELSEWHERE = "县政务公开办的账号只能在指定的管理终端上使用，本机的地址不在其中。请到县政务公开办的办公电脑上登录。"

PURGE_EVERY = dt.timedelta(minutes=5)


def _purge(portal: Portal, db: Session, now: dt.datetime) -> None:
    """Expired sessions and stale login failures go, at most once in a few minutes."""
    if now - portal.last_purge >= PURGE_EVERY:
        security.purge_expired(db, now)
        portal.last_purge = now


@handler()
def logout(ctx: Ctx) -> Response:
    auditlog.audit(ctx.db, ctx.actor, "logout", ctx.user.username if ctx.user else "")
    security.end_session(ctx.db, ctx.request.cookies.get(session_cookie(ctx.request)))
    ctx.db.commit()
    response = ctx.redirect("/login")
    response.delete_cookie(session_cookie(ctx.request), path="/", secure=_https(ctx.request), httponly=True, samesite="lax")
    return response


def _expired_notice(ctx: Ctx) -> str:
    """Why the password page is shown before anything else, when it is the periodic change."""
    user, days = ctx.user, password_days(ctx.db, ctx.portal.settings)
    if user is None or user.must_change or not security.password_expired(user.password_changed_at or user.created_at, ctx.actor.now(), days):
        return ""
    return f"密码已使用超过 {days} 天，按规定须定期更换：请先修改密码，之后才能继续使用本系统。"


@handler()
def password_page(ctx: Ctx) -> Response:
    if ctx.request.method == "GET":
        if ctx.request.query_params.get("changed") == "1":
            return ctx.render("password.html", title="修改密码", changed=True, message="密码已修改。本账号在其他地方的登录均已退出，下次登录请用新密码。")
        return ctx.render("password.html", title="修改密码", expired=_expired_notice(ctx))
    new = ctx.text("new_password")
    if new != ctx.text("new_password2"):
        return ctx.render("password.html", 400, title="修改密码", message="两次输入的新密码不一致。")
    try:
        token = accounts.change_password(ctx.db, ctx.actor, ctx.text("old_password"), new)
    except PortalError as exc:
        ctx.db.rollback()
        return ctx.render("password.html", 400, title="修改密码", message=str(exc))
    response = ctx.redirect("/password?changed=1")  # the confirmation, with the way on
    _set_cookie(ctx.request, response, session_cookie(ctx.request), token)  # the old token is void
    return response


@handler()
def home(ctx: Ctx) -> Response:
    assert ctx.user is not None
    if not ctx.actor.is_admin:
        return ctx.redirect(f"/b/{ctx.user.body_id}")
    for duty, page in HOME_PAGES.items():
        if ctx.actor.can(duty):
            return ctx.redirect(page)
    raise PortalError("本账号还没有被安全管理员启用，或没有任何职责。请联系县政务公开办的安全管理员。", 403)


# Where a county account lands, by the first duty it holds.
HOME_PAGES = {Duty.SYSTEM: "/county", Duty.REVIEW: "/county", Duty.SECURITY: "/county/staff", Duty.AUDIT: "/county/audit"}


# --- the body's pages -------------------------------------------------------------------------


def body_view(ctx: Ctx, body_id: int, version_id: int | None = None, message: str = "", status: int = 200) -> Response:
    body = queries.body_for(ctx.db, ctx.actor, body_id)
    rnd = queries.round_of(ctx.db, body)
    all_versions = queries.versions(ctx.db, body.id)
    if version_id is None:
        version = all_versions[0] if all_versions else None
    else:
        version = queries.version_for(ctx.db, ctx.actor, body.id, version_id)[1]
    findings, tables, narrative, changed, seen, before = [], [], [], [], None, {}
    if version is not None:
        findings = queries.findings_of(version)
        report = queries.report_of(version)
        context = build_context(report)
        tables = views.report_tables(context)
        narrative = views.narrative_parts(report, findings, context)
        if ctx.actor.is_admin:
            seen, changed = versions.figures_changed(ctx.db, body, version)
            before = versions.figures_before(ctx.db, body, version)[1]
    marked: dict[str, int] = {}
    for i, f in enumerate(findings):
        if f.path:
            marked.setdefault(f.path, i)
    returned = queries.latest_review(ctx.db, body.id)
    submissions = queries.submissions(ctx.db, body.id)
    response = ctx.render(
        "body.html",
        status,
        title=body.name,
        body=body,
        rnd=rnd,
        status_label=dashboard.STATUS_NAMES[dashboard.body_status(body, all_versions[0] if all_versions else None)],
        versions=all_versions,
        version=version,
        latest=all_versions[0] if all_versions else None,
        findings=findings,
        severity=SEVERITY_LABELS,
        marked=marked,
        tables=tables,
        narrative=narrative,
        review=returned,
        **_review_marks(returned),
        changed_paths=before,
        narrative_targets=[(p, label) for p, label in NARRATIVE_FIELDS.items()],
        reviews=queries.reviews(ctx.db, body.id),
        submissions=submissions,
        events=timeline.timeline(all_versions, submissions, queries.reviews(ctx.db, body.id)),
        last_leader=_last_leader(ctx, body, submissions),
        account=queries.account_of(ctx.db, body.id),
        lock=accounts.lock_of(ctx.db, ctx.actor, body.id),
        changed=changed,
        seen=seen,
        locked=workflow.is_locked(body.state) or body.removed_at is not None,
        allowed={a.value for a in workflow.allowed(body.state)},
        today=ctx.actor.today().isoformat(),
        message=message,
        max_upload_mb=ctx.portal.settings.max_upload // 1048576,
    )
    if ctx.actor.is_admin and version is not None and all_versions and version.id == all_versions[0].id:
        versions.mark_seen(ctx.db, body, version)
    return response


def _last_leader(ctx: Ctx, body: Any, submissions: list[Any]) -> str:
    """签发人 as last given: this round's last submission, else the body's in the round before."""
    if submissions:
        return submissions[0].leader
    return queries.previous_leader(ctx.db, body)


def _review_marks(review: Any) -> dict[str, Any]:
    """The cells and parts the county's last 退回 pointed at, and the reason shown on each."""
    cells = json.loads(review.cells_json) if review is not None and review.action != "accept" else []
    return {"review_cells": cells, "review_notes": dict.fromkeys(cells, review.reason if review else "")}


# What the page says after an action redirected to it (``?done=``): fixed words, never the query's text.
DONE_MESSAGES = {
    "return": "已退回。单位会看到退回原因，指出的单元格和部分在它的表格中标出。",
    "accept": "已通过审核，报告将进入一键下载。",
    "reopen": "已重新打开，单位可以修改后再提交。",
    "submit": "已提交给县政务公开办，等待审核。",
}


@handler()
def body_page(ctx: Ctx) -> Response:
    done = DONE_MESSAGES.get(ctx.request.query_params.get("done", ""), "")
    return body_view(ctx, _int(ctx.request.path_params["body_id"]), message=done)


@handler()
def version_page(ctx: Ctx) -> Response:
    p = ctx.request.path_params
    return body_view(ctx, _int(p["body_id"]), _int(p["version_id"]))


@handler()
def workbook_download(ctx: Ctx) -> Response:
    name, data = workbooks.prefilled_workbook(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]))
    return download(name, data, XLSX)


@handler()
def upload(ctx: Ctx) -> Response:
    body_id = _int(ctx.request.path_params["body_id"])
    queries.body_for(ctx.db, ctx.actor, body_id)
    got = _file(ctx, "file")
    if got is None:
        return body_view(ctx, body_id, message="请选择要上传的填报表文件。", status=400)
    try:
        version = uploads.upload_version(
            ctx.db, ctx.actor, body_id, got[0], got[1], max_size=ctx.portal.settings.max_upload, quota=ctx.portal.settings.body_quota
        )
    except NotFound:
        raise
    except PortalError as exc:
        return body_view(ctx, body_id, message=str(exc), status=exc.status)
    return ctx.redirect(f"/b/{body_id}/v/{version.id}#findings")


def _editor_view(
    ctx: Ctx, body_id: int, draft: editor.Draft, values: dict[str, str], *, message: str = "", status: int = 200,
    checked: bool = False, wanted: dict[str, int] | None = None,
) -> Response:
    body = queries.body_for(ctx.db, ctx.actor, body_id)
    marked: dict[str, str] = {}
    for f in draft.findings:
        if f.path:
            marked.setdefault(f.path, f.severity)
    for p in draft.problems:
        marked[p.path] = "error"
    readonly = ctx.actor.is_admin or workflow.is_locked(body.state) or body.removed_at is not None
    latest = queries.latest_version(ctx.db, body.id)
    seen, before = (None, {})
    if ctx.actor.is_admin and latest is not None and draft.opened is None:
        seen, before = versions.figures_before(ctx.db, body, latest)
    returned = queries.latest_review(ctx.db, body.id)
    allowed = {a.value for a in workflow.allowed(body.state)} if ctx.actor.is_admin else set()
    response = ctx.render(
        "edit.html",
        status,
        title=f"{body.name} 在线填写",
        body=body,
        rnd=queries.round_of(ctx.db, body),
        draft=draft,
        restored=ctx.actor.when(draft.restored_at) if draft.restored_at else "",
        values=values,
        last_year=editor.last_year_texts(ctx.db, body),
        defaults=views.default_texts(draft.report),
        labels={s.path: s.label for s in form_fields()},
        editable=editor.editable_paths(),
        sections=views.editor_sections(draft.report, values, wanted),
        marked=marked,
        severity=SEVERITY_LABELS,
        readonly=readonly,
        checked=checked,
        message=message,
        review=returned,
        **_review_marks(returned),
        seen=seen,
        changed_paths=before,
        allowed=allowed,
        latest=latest,
        pick="return" in allowed,
        narrative_targets=list(NARRATIVE_FIELDS.items()),
    )
    if ctx.actor.is_admin and latest is not None and draft.opened is None:
        versions.mark_seen(ctx.db, body, latest)  # the county has now seen the latest figures
    return response


@handler()
def editor_page(ctx: Ctx) -> Response:
    """在线填写: GET shows the editor (``?v=`` opens one version); POST 核对 checks the form,
    保存 stores a version, 添加一行/删除 change the channel rows (the form without script)."""
    body_id = _int(ctx.request.path_params["body_id"])
    if ctx.request.method == "GET":
        wanted = ctx.request.query_params.get("v")
        draft = editor.start(ctx.db, ctx.actor, body_id, _int(wanted) if wanted is not None else None)
        return _editor_view(ctx, body_id, draft, draft.values or form_values(draft.report))
    posted, base = _posted_form(ctx)
    action = ctx.text("action")
    if action == "save":
        try:
            version = editor.save(ctx.db, ctx.actor, body_id, posted, base)
        except PortalError as exc:
            ctx.db.rollback()
            draft = editor.check(ctx.db, ctx.actor, body_id, posted, base)
            return _editor_view(ctx, body_id, draft, {**form_values(draft.report), **posted}, message=str(exc), status=exc.status)
        return ctx.redirect(f"/b/{body_id}/v/{version.id}#findings")
    rows = _channel_rows(ctx)
    if action.startswith("remove_row:"):
        group, _, index = action.removeprefix("remove_row:").partition(".")
        for path in list(posted):
            if path.startswith(f"channels.{group}.{index}."):
                posted[path] = ""  # an empty row drops out when the form is read
        rows[group] = max(rows.get(group, 1) - 1, 1)
    elif action.startswith("add_row:"):
        group = action.removeprefix("add_row:")
        rows[group] = rows.get(group, 1) + 1
    draft = editor.check(ctx.db, ctx.actor, body_id, posted, base)
    values = {**form_values(draft.report), **posted} if draft.problems else form_values(draft.report)
    return _editor_view(ctx, body_id, draft, values, checked=action == "check", status=422 if draft.problems else 200, wanted=rows)


def _channel_rows(ctx: Ctx) -> dict[str, int]:
    """How many channel rows of each group the page showed (``rows.<group>``)."""
    assert ctx.form is not None
    shown: dict[str, int] = {}
    for key, value in ctx.form.multi_items():
        if key.startswith("rows.") and isinstance(value, str) and (n := parse_id(value)) is not None:
            shown[key.removeprefix("rows.")] = min(n, 100)
    return shown


def _posted_form(ctx: Ctx) -> tuple[dict[str, str], int]:
    """The editor's fields as posted (by data path) and the version it started from."""
    assert ctx.form is not None
    posted = {s.path: v for s in form_fields() if isinstance(v := ctx.form.get(s.path), str)}
    base_text = ctx.text("base")
    base = int(base_text) if base_text.isascii() and base_text.isdigit() and len(base_text) < 10 else 0
    return posted, base


def _json_refusal(exc: PortalError) -> Response:
    return JSONResponse({"error": str(exc)}, status_code=exc.status)


@handler()
def editor_draft(ctx: Ctx) -> Response:
    """Autosave: the posted form as the body's one draft (JSON answer with the time saved)."""
    posted, base = _posted_form(ctx)
    try:
        saved = editor.save_draft(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]), posted, base)
    except NotFound:
        raise  # logged as denied and answered as any unknown page
    except PortalError as exc:
        ctx.db.rollback()
        return _json_refusal(exc)
    at = localtime.local(saved.updated_at, ctx.actor.zone)
    return JSONResponse({"saved_at": ctx.actor.when(saved.updated_at), "time": at.strftime("%H:%M")})


@handler()
def editor_live_check(ctx: Ctx) -> Response:
    """The live check: the library's findings on the posted form, the computed totals and the
    default sentences, as JSON; nothing is stored."""
    posted, base = _posted_form(ctx)
    try:
        answer = editor.live_check(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]), posted, base)
    except NotFound:
        raise  # logged as denied and answered as any unknown page
    except PortalError as exc:
        return _json_refusal(exc)
    return JSONResponse(answer)


@handler()
def version_workbook(ctx: Ctx) -> Response:
    p = ctx.request.path_params
    name, data = workbooks.version_workbook(ctx.db, ctx.actor, _int(p["body_id"]), _int(p["version_id"]))
    return download(name, data, XLSX)


@handler()
def version_file(ctx: Ctx) -> Response:
    p = ctx.request.path_params
    name, data = versions.stored_file(ctx.db, ctx.actor, _int(p["body_id"]), _int(p["version_id"]))
    return download(name, data, MEDIA.get(Path(name).suffix.lower(), "application/octet-stream"))


@handler()
def version_preview(ctx: Ctx) -> Response:
    p = ctx.request.path_params
    html = versions.preview_html(ctx.db, ctx.actor, _int(p["body_id"]), _int(p["version_id"]))
    return HTMLResponse(html, headers={"Content-Security-Policy": PREVIEW_CSP})


@handler()
def version_report(ctx: Ctx) -> Response:
    p = ctx.request.path_params
    kind = "." + p["kind"]
    name, data = versions.report_file(ctx.db, ctx.actor, _int(p["body_id"]), _int(p["version_id"]), kind)
    return download(name, data, MEDIA[kind])


@handler()
def submit(ctx: Ctx) -> Response:
    body_id = _int(ctx.request.path_params["body_id"])
    explanations = {}
    for key, value in (ctx.form.multi_items() if ctx.form else []):
        if key.startswith("explain_") and _INDEX.fullmatch(key[8:]) and isinstance(value, str):
            explanations[int(key[8:])] = value
    try:
        signed = dt.date.fromisoformat(ctx.text("signed_on"))
    except ValueError:
        return body_view(ctx, body_id, message="请填写签发日期（年-月-日）。", status=400)
    stamped = _file(ctx, "stamped")
    try:
        workflow.submit(
            ctx.db, ctx.actor, body_id, version_id=_int(ctx.text("version_id")), leader=ctx.text("leader"),
            signed_on=signed, explanations=explanations, stamped=stamped[1] if stamped else None,
            quota=ctx.portal.settings.body_quota,
        )
    except NotFound:
        raise
    except PortalError as exc:
        ctx.db.rollback()
        return body_view(ctx, body_id, message=str(exc), status=exc.status)
    return ctx.redirect(f"/b/{body_id}?done=submit")


@handler()
def stamped_download(ctx: Ctx) -> Response:
    p = ctx.request.path_params
    name, data = versions.stamped_file(ctx.db, ctx.actor, _int(p["body_id"]), _int(p["submission_id"]))
    return download(name, data, "application/pdf")


# --- the county's pages -----------------------------------------------------------------------


@handler(duty=BODY_PAGES)
def county_home(ctx: Ctx) -> Response:
    return ctx.render("county.html", title="报送年度", rounds=queries.rounds(ctx.db))


@handler(duty=(Duty.SYSTEM,))
def round_create(ctx: Ctx) -> Response:
    got = _file(ctx, "orgs")
    if got is None:
        raise PortalError("请选择单位名单（.xlsx 或 .csv）。")
    if not re.fullmatch(r"[0-9]{4}", ctx.text("year").strip()):
        raise PortalError("年度应为四位数字，如 2025。")
    try:
        year = int(ctx.text("year"))
        deadline = dt.date.fromisoformat(ctx.text("deadline")) if ctx.text("deadline") else None
    except ValueError:
        raise PortalError("年度应为数字，截止日期应为“年-月-日”。") from None
    previous = parse_id(ctx.text("previous_round_id")) if ctx.text("previous_round_id") else None
    if ctx.text("previous_round_id") and previous is None:
        raise NotFound()
    last_year = _file(ctx, "previous_zip")
    if previous is not None and last_year is not None:
        raise PortalError("上年数据请二选一：选择上年报送年度，或上传上年填报表的压缩包。")
    previous_reports = roster.reports_in_zip(last_year[1], last_year[0]) if last_year else None
    import tempfile

    suffix = Path(got[0]).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise PortalError("单位名单应为 .xlsx 或 .csv 文件。")
    with tempfile.TemporaryDirectory(prefix="gongkai-orgs-") as tmp:
        path = Path(tmp) / f"单位名单{suffix}"
        path.write_bytes(got[1])
        rnd = roster.create_round(
            ctx.db, ctx.actor, year=year, orgs=path, title=ctx.text("title"), deadline=deadline,
            previous_round_id=previous, previous_reports=previous_reports,
        )
    return ctx.redirect(f"/county/rounds/{rnd.id}?done=created")


SORTS: dict[str, Callable[[dashboard.DashboardRow], Any]] = {
    "roster": lambda r: r.body.id,  # the order of the round's 单位名单: bodies are stored as listed
    "name": lambda r: r.body.name,
    "status": lambda r: list(dashboard.STATUS_NAMES).index(r.status),
    "errors": lambda r: -(r.errors or 0),
    "warnings": lambda r: -(r.warnings or 0),
    "upload": lambda r: r.last_upload or dt.datetime.min,
    "submitted": lambda r: r.submitted_at or dt.datetime.min,
}


@handler(duty=BODY_PAGES)
def round_page(ctx: Ctx) -> Response:
    rnd = queries.get_round(ctx.db, ctx.actor, _int(ctx.request.path_params["round_id"]))
    rows = dashboard.dashboard(ctx.db, rnd, ctx.actor.now(), ctx.actor.zone)
    counts = {key: sum(r.status == key for r in rows) for key in dashboard.STATUS_NAMES}
    q = ctx.request.query_params
    status, sort = q.get("status", ""), q.get("sort", "roster")
    sort = sort if sort in SORTS else "roster"
    search = q.get("q", "").strip()[: limits.MAX_NAME]
    shown = [r for r in rows if (not status or r.status == status) and dashboard.matches(r.body, search)]
    shown.sort(key=SORTS[sort])
    removed = [b for b in queries.bodies(ctx.db, rnd.id, removed=True) if b.removed_at is not None]
    return ctx.render(
        "round.html", title=rnd.title, rnd=rnd, rows=shown, counts=counts, names=dashboard.STATUS_NAMES,
        shown_status=status, sort=sort, removed=removed, levels=fmt.LEVELS, search=search,
        previous=dashboard.previous_round(ctx.db, rnd), bulk=bulk.result_message(ctx.db, rnd, q),
        pdf_available=exports.pdf_available(),
        reminders=reminders.panel(ctx.db, rnd, rows, ctx.actor.now(), q.get("reminded", "")),
        message=ROUND_DONE.get(q.get("done", ""), ""),
    )


# What the round page says after an action redirected to it (``?done=``): fixed words only.
ROUND_DONE = {
    "created": "报送年度已创建。下一步：点“发放账号”，把账号清单交给各单位。",
    "closed": "报送年度已关闭，各单位账号已停用；数据和记录都保留。",
}


@handler(duty=(Duty.SYSTEM,))
def accounts_issue(ctx: Ctx) -> Response:
    """GET: each body's account, to tick some. POST: 发放 for bodies without one (all, or the
    ticked), or 重新生成 for the ticked after a page naming them; the passwords made show once."""
    rnd = queries.get_round(ctx.db, ctx.actor, _int(ctx.request.path_params["round_id"]))
    if ctx.request.method == "GET":
        return ctx.render("accounts.html", title=f"{rnd.title} · 账号", rnd=rnd, lines=accounts.account_lines(ctx.db, ctx.actor, rnd.id))
    ticked = [_int(v) for k, v in (ctx.form.multi_items() if ctx.form else []) if k == "body" and isinstance(v, str)]
    regenerate = ctx.text("action") == "regenerate"
    if regenerate and ctx.text("confirm") != "1":
        named = accounts.round_bodies(ctx.db, ctx.actor, rnd.id, ticked)
        if not named:
            raise PortalError("请先勾选要重新生成密码的单位。")
        return ctx.render("accounts_confirm.html", title="确认重新生成密码", rnd=rnd, named=named)
    if regenerate:
        issued = accounts.regenerate_passwords(ctx.db, ctx.actor, rnd.id, ticked)
    else:
        issued = accounts.issue_accounts(ctx.db, ctx.actor, rnd.id, ticked or None)
    lines = accounts.account_lines(ctx.db, ctx.actor, rnd.id, issued, regenerated=regenerate)
    data = accounts.accounts_workbook(lines, rnd, portal_url=str(ctx.request.base_url), made_at=ctx.actor.when(ctx.actor.now()))
    return ctx.render(
        "accounts_issued.html", title="账号清单", rnd=rnd, issued=issued, lines=lines, workbook=accounts.data_uri(data),
        filename=f"{rnd.year}年度账号清单.xlsx", message=accounts.issued_notice(issued, lines, regenerated=regenerate),
    )


@handler(duty=(Duty.SYSTEM,))
def round_close(ctx: Ctx) -> Response:
    round_id = _int(ctx.request.path_params["round_id"])
    if ctx.text("confirm") != "1":
        raise PortalError("请勾选“确认关闭”后再关闭报送年度。")
    rnd = roster.close_round(ctx.db, ctx.actor, round_id)
    return ctx.redirect(f"/county/rounds/{rnd.id}?done=closed")


@handler(duty=(Duty.SYSTEM,))
def chase_download(ctx: Ctx) -> Response:
    name, data = exports.chase_workbook(ctx.db, ctx.actor, _int(ctx.request.path_params["round_id"]))
    return download(name, data, XLSX)


@handler(duty=(Duty.SYSTEM,))
def reminders_send(ctx: Ctx) -> Response:
    """催报: the e-mail addresses typed are saved, then the reminders are queued (never sent
    while the page waits)."""
    rnd = queries.get_round(ctx.db, ctx.actor, _int(ctx.request.path_params["round_id"]))
    items = [(k, v) for k, v in (ctx.form.multi_items() if ctx.form else []) if isinstance(v, str)]
    typed = {i: v for k, v in items if k.startswith("email_") and (i := parse_id(k[len("email_"):])) is not None}
    reminders.save_emails(ctx.db, ctx.actor, rnd, typed)
    action = ctx.text("action")
    if action == "save":
        return ctx.redirect(f"/county/rounds/{rnd.id}#reminders")
    ticked = [i for k, v in items if k == "body" and (i := parse_id(v)) is not None]
    if action == "ticked" and not ticked:
        raise PortalError("请先勾选要催报的单位。")
    sends = reminders.queue_reminders(
        ctx.db, ctx.actor, rnd, ticked=ticked or None, portal_url=str(ctx.request.base_url), sessions=ctx.portal.sessions
    )
    return ctx.redirect(f"/county/rounds/{rnd.id}?reminded={sum(s.status == 'queued' for s in sends)}#reminders")


@handler(duty=(Duty.SYSTEM,))
def reminder_settings(ctx: Ctx) -> Response:
    """催报设置: the county's SMTP server and group robots (secrets are never shown back)."""
    if ctx.request.method == "POST":
        reminders.save_settings(ctx.db, ctx.actor, ctx.text)
        return ctx.redirect("/county/reminders?saved=1")
    return ctx.render(
        "reminder_settings.html", title="催报设置", s=reminders.settings_of(ctx.db), securities=reminders.SECURITIES,
        mask=reminders.mask_url, saved=ctx.request.query_params.get("saved") == "1", here=str(ctx.request.base_url),
    )


@handler(duty=(Duty.SYSTEM,))
def body_add(ctx: Ctx) -> Response:
    round_id = _int(ctx.request.path_params["round_id"])
    roster.add_body(ctx.db, ctx.actor, round_id, name=ctx.text("name"), short_name=ctx.text("short_name"), level=ctx.text("level") or "乡镇", parent=ctx.text("parent"))
    return ctx.redirect(f"/county/rounds/{round_id}")


@handler(duty=(Duty.SYSTEM,))
def body_rename(ctx: Ctx) -> Response:
    row = roster.rename_body(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]), name=ctx.text("name"), short_name=ctx.text("short_name"))
    return ctx.redirect(f"/b/{row.id}")


@handler(duty=(Duty.SYSTEM,))
def body_remove(ctx: Ctx) -> Response:
    row = roster.remove_body(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]), ctx.text("reason"))
    return ctx.redirect(f"/county/rounds/{row.round_id}")


@handler(duty=(Duty.SYSTEM,))
def body_reset(ctx: Ctx) -> Response:
    issued = accounts.reset_password(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]))
    lifted = "，账号的锁定也已解除" if issued.unlocked else ""
    return ctx.render("reset.html", title="重置密码", issued=issued, message=f"已重置 {issued.body.name} 的密码{lifted}。原来的密码已失效。")


@handler(duty=(Duty.SYSTEM,))
def body_unlock(ctx: Ctx) -> Response:
    body, was_locked = accounts.unlock_account(ctx.db, ctx.actor, _int(ctx.request.path_params["body_id"]))
    done = "已解除锁定，填报人现在可以用原来的密码登录。" if was_locked else "该账号当前没有被锁定，无需解除。"
    return body_view(ctx, body.id, message=done)


@handler(duty=(Duty.REVIEW,))
def body_review(ctx: Ctx) -> Response:
    body_id = _int(ctx.request.path_params["body_id"])
    action = ctx.request.path_params["action"]
    reason = ctx.text("reason")
    cells = [v for k, v in (ctx.form.multi_items() if ctx.form else []) if k == "cells" and isinstance(v, str)]
    if action == workflow.Action.RETURN:
        workflow.return_(ctx.db, ctx.actor, body_id, reason, cells)
    elif action == workflow.Action.ACCEPT:
        if ctx.text("confirm") != "1":
            return body_view(ctx, body_id, message="请先勾选“确认通过”，再点“通过”。", status=400)
        workflow.accept(ctx.db, ctx.actor, body_id, reason)
    elif action == workflow.Action.REOPEN:
        workflow.reopen(ctx.db, ctx.actor, body_id, reason)
    else:
        raise NotFound()
    return ctx.redirect(f"/b/{body_id}?done={action}")


@handler(duty=(Duty.REVIEW,))
def totals_page(ctx: Ctx) -> Response:
    rnd = queries.get_round(ctx.db, ctx.actor, _int(ctx.request.path_params["round_id"]))
    scope = "submitted" if ctx.request.query_params.get("scope") == "submitted" else "accepted"
    count, sums = exports.totals(ctx.db, rnd.id, scope)
    return ctx.render("totals.html", title=f"{rnd.title} 全县合计", rnd=rnd, scope=scope, count=count, tables=views.totals_tables(sums))


@handler(duty=(Duty.REVIEW,))
def zip_download(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    name, data = exports.download_zip(
        ctx.db, ctx.actor, _int(ctx.request.path_params["round_id"]), pdf=q.get("pdf") == "1", html=q.get("html") == "1",
        submitted=q.get("submitted") == "1",
    )
    return download(name, data, MEDIA[".zip"])


@handler(duty=(Duty.REVIEW,))
def round_bulk(ctx: Ctx) -> Response:
    """通过 / 退回 on the bodies ticked on the dashboard; the round page then names the skipped."""
    round_id = _int(ctx.request.path_params["round_id"])
    action = ctx.text("action")
    if action == "accept" and ctx.text("confirm") != "1":
        raise PortalError("批量通过前请先勾选“确认通过勾选的单位”。")
    ticked = [_int(v) for k, v in (ctx.form.multi_items() if ctx.form else []) if k == "body" and isinstance(v, str)]
    done = bulk.bulk_review(ctx.db, ctx.actor, round_id, action, ticked, ctx.text("reason"))
    return ctx.redirect(f"/county/rounds/{round_id}?{done.query()}#bulk")


def _audit_filter(ctx: Ctx) -> tuple[auditlog.AuditFilter, list[str]]:
    q = ctx.request.query_params
    return auditlog.parse_filter(q, body_id=parse_id(q.get("body_id", "")), zone=ctx.actor.zone)


@handler(duty=(Duty.AUDIT,))
def audit_page(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    where, problems = _audit_filter(ctx)
    page = min(parse_id(q.get("page", "")) or 1, 100_000)
    per = auditlog.AUDIT_PAGE
    total = auditlog.audit_count(ctx.db, where)
    entries = auditlog.audit_entries(ctx.db, where=where, offset=(page - 1) * per, limit=per)

    def page_query(number: int) -> str:
        return urlencode({**{k: v for k, v in q.items() if k != "page"}, "page": number})

    return ctx.render(
        "audit.html", title="操作日志", entries=entries, total=total, pages=max(1, -(-total // per)), page=page, per_page=per,
        page_query=page_query, export_query=urlencode({k: v for k, v in q.items() if k != "page"}), actions=auditlog.AUDIT_ACTIONS,
        q=q, where=where, problems=problems, names=auditlog.body_names(ctx.db, entries), check=auditlog.verify_chain(ctx.db, ctx.actor.zone),
        action_label=auditlog.action_label, origin_label=auditlog.origin_label, outcome=auditlog.outcome,
    )


@handler(duty=(Duty.AUDIT,))
def audit_export(ctx: Ctx) -> Response:
    where, _ = _audit_filter(ctx)
    name, data = auditlog.export_workbook(ctx.db, ctx.actor, where)
    return download(name, data, XLSX)


# --- 县级账号 and the 安全管理员's policy (三员分立) -------------------------------------------------


def _ticked(ctx: Ctx, name: str) -> list[str]:
    return [v for k, v in (ctx.form.multi_items() if ctx.form else []) if k == name and isinstance(v, str)]


def _staff_view(ctx: Ctx, *, named: staff.NamedAccount | None = None, message: str = "", status: int = 200) -> Response:
    return ctx.render(
        "staff.html", status, title="县级账号", lines=staff.staff_lines(ctx.db, ctx.actor), named=named, message=message,
        missing=staff.missing_duties(ctx.db) if staff.bootstrap_open(ctx.db) else [], duty_names=DUTY_NAMES, scopes=roles.DUTY_SCOPES,
        me=ctx.user.id if ctx.user else None,
    )


@handler(duty=(Duty.SYSTEM, Duty.SECURITY))
def staff_page(ctx: Ctx) -> Response:
    """县级账号: every county account; the 系统管理员 names one (POST), its password shows once."""
    if ctx.request.method == "GET":
        return _staff_view(ctx)
    if not ctx.actor.can(Duty.SYSTEM):
        raise NotFound()
    try:
        named = staff.name_account(ctx.db, ctx.actor, ctx.text("username"), staff.duties_from(_ticked(ctx, "duty")))
    except NotFound:
        raise
    except PortalError as exc:
        ctx.db.rollback()
        return _staff_view(ctx, message=str(exc), status=400)
    later = "" if not named.user.pending else "安全管理员启用后才能登录。"
    return _staff_view(ctx, named=named, message=f"已建立账号 {named.user.username}。{later}")


STAFF_DONE = {
    "enable": (staff.enable, "已启用 {name}。"),
    "disable": (staff.disable, "已停用 {name}，它的登录已全部退出。"),
    "unlock": (staff.unlock, "已解除 {name} 的锁定。"),
    "two_factor": (staff.reset_two_factor, "已重置 {name} 的双因素登录，下次登录时重新绑定。"),
}


@handler(duty=(Duty.SECURITY,))
def staff_action(ctx: Ctx) -> Response:
    """The 安全管理员 on another county account: enable, disable, duties, password, 2FA, lock."""
    user_id, action = _int(ctx.request.path_params["user_id"]), ctx.request.path_params["action"]
    try:
        if action == "duties":
            user = staff.set_duties(ctx.db, ctx.actor, user_id, staff.duties_from(_ticked(ctx, "duty")))
            return _staff_view(ctx, message=f"已把 {user.username} 的职责改为{roles.describe(roles.parse(user.duties))}，它的登录已全部退出。")
        if action == "password":
            named = staff.reset_password(ctx.db, ctx.actor, user_id)
            return _staff_view(ctx, named=named, message=f"已重置 {named.user.username} 的密码，原来的密码已失效。")
        if action not in STAFF_DONE:
            raise NotFound()
        do, done = STAFF_DONE[action]
        return _staff_view(ctx, message=done.format(name=do(ctx.db, ctx.actor, user_id).username))
    except NotFound:
        raise
    except PortalError as exc:
        ctx.db.rollback()
        return _staff_view(ctx, message=str(exc), status=400)


@handler(duty=(Duty.SECURITY,))
def security_page(ctx: Ctx) -> Response:
    """安全策略: password age, lock, session limits, two-factor enforcement."""
    deployment = ctx.portal.settings.password_max_days
    forced = ctx.portal.settings.require_two_factor
    shown, problems = policy.current(ctx.db), []
    if ctx.request.method == "POST":
        new, problems = policy.parse(ctx.text, deployment)
        if not problems:
            changed = staff.change_policy(ctx.db, ctx.actor, new, deployment)
            return ctx.redirect(f"/county/security?saved={len(changed)}")
    saved = ctx.request.query_params.get("saved")
    return ctx.render(
        "security.html", 400 if problems else 200, title="安全策略", p=shown, bounds=policy.BOUNDS, days=shown.password_days(deployment),
        deployment=deployment, forced=forced, problems=problems, message="已保存安全策略。" if saved is not None else "",
    )


@handler(duty=COUNTY_DUTIES)
def two_factor_page(ctx: Ctx) -> Response:
    """One's own 双因素登录: enrol by QR code, new recovery codes, or turn it off."""
    user, forced = ctx.user, ctx.portal.settings.require_two_factor
    assert user is not None
    view = dict(title="双因素登录", required=twofactor.required(ctx.db, forced))
    if ctx.request.method == "POST":
        action, code = ctx.text("action"), ctx.text("code")
        try:
            if action == "enable":
                return ctx.render("two_factor.html", codes=twofactor.confirm(ctx.db, ctx.actor, code), enrolled=True,
                                  message="已启用双因素登录。请把下面的恢复码抄下或打印，妥善保存。", **view)
            if action == "codes":
                return ctx.render("two_factor.html", codes=twofactor.regenerate(ctx.db, ctx.actor, code), enrolled=True,
                                  left=twofactor.RECOVERY_CODES, message="已生成新的恢复码，原来的恢复码已失效。", **view)
            if action == "disable":
                twofactor.disable(ctx.db, ctx.actor, code, forced)
                return ctx.redirect("/account/two-factor?off=1")
            raise NotFound()
        except NotFound:
            raise
        except PortalError as exc:
            ctx.db.rollback()
            ctx.db.refresh(user)
            view.update(message=str(exc), status=exc.status)
    status = view.pop("status", 200)
    if twofactor.enrolled(user):
        return ctx.render("two_factor.html", status, enrolled=True, left=twofactor.recovery_left(ctx.db, user), **view)
    if ctx.request.query_params.get("off") == "1":
        view.setdefault("message", "已关闭双因素登录。")
    enrolment = twofactor.enrolment(ctx.db, ctx.actor)
    return ctx.render("two_factor.html", status, enrolled=False, enrolment=enrolment, secret=twofactor.grouped(enrolment.secret), **view)


# --- the application --------------------------------------------------------------------------


SMALL_FORM = 8 * 1024  # login, logout, password: a few fields
FORM = 256 * 1024  # every other form without files
FILE_ROUTES = re.compile(r"^/(b/[^/]+/(upload|submit)|county/rounds)$")  # forms that carry a file
BODY_DEADLINE = 600.0  # seconds for a whole request body, however it trickles in
HEADERS = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def body_limit(path: str, max_upload: int) -> int:
    """How large a request body to ``path`` may be: a file form's allows the upload cap."""
    if path in ("/login", "/logout", "/password", "/login/two-factor"):
        return SMALL_FORM
    return max_upload if FILE_ROUTES.match(path) else FORM


class SecurityHeaders:
    """Headers every response carries (error pages included), the request size cap by route
    (413 before parsing), a timeout while a request body is read (408), and a Chinese 500
    page with the same headers when something unforeseen fails."""

    def __init__(self, app: ASGIApp, max_upload: int, timeout: float = 30.0) -> None:
        self.app = app
        self.max_upload = max_upload
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = body_limit(scope.get("path", ""), self.max_upload)
        https = scope.get("scheme") == "https"
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _plain(send, 413, _too_large_text(limit), https)
            return
        received = 0
        complete = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BODY_DEADLINE
        started = False

        async def limited_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()
            try:  # a client that stops sending (or trickles) ties up no worker for ever
                wait = min(self.timeout, max(deadline - loop.time(), 0.0))
                message = await asyncio.wait_for(receive(), timeout=wait)
            except asyncio.TimeoutError:
                raise _SlowBody() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge()
                complete = not message.get("more_body", False)
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": _with_security_headers(list(message.get("headers", [])), https)}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await _plain(send, 413, _too_large_text(limit), https)
        except _SlowBody:
            if not started:
                await _plain(send, 408, "上传中断或太慢，已停止接收。请检查网络后重新上传。", https)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if not started:
                await _plain(send, 500, "系统出错，操作没有完成。请稍后再试；如果反复出现，请联系县政务公开办。", https)


def _with_security_headers(raw: list[tuple[bytes, bytes]], https: bool) -> list[tuple[bytes, bytes]]:
    present = {k.lower() for k, _ in raw}
    for key, value in (*HEADERS, *((HSTS,) if https else ())):
        if key not in present:
            raw.append((key, value))
    return raw


class _TooLarge(Exception):
    pass


class _SlowBody(Exception):
    pass


def _too_large_text(limit: int) -> str:
    size = f"{limit / 1048576:.0f} MB" if limit >= 1048576 else f"{limit // 1024} KB"
    return f"上传的内容超过上限 {size}，已拒绝。"


async def _plain(send: Send, status: int, text: str, https: bool) -> None:
    raw = _with_security_headers([(b"content-type", b"text/plain; charset=utf-8")], https)
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": text.encode()})


ROUTES = [
    Route("/", home, name="home"),
    Route("/login", login_page, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/password", password_page, methods=["GET", "POST"], name="password"),
    Route("/login/two-factor", two_factor_login, methods=["GET", "POST"], name="two_factor_login"),
    Route("/account/two-factor", two_factor_page, methods=["GET", "POST"], name="two_factor"),
    Route("/b/{body_id}", body_page, name="body"),
    Route("/b/{body_id}/workbook", workbook_download, name="workbook"),
    Route("/b/{body_id}/upload", upload, methods=["POST"], name="upload"),
    Route("/b/{body_id}/edit", editor_page, methods=["GET", "POST"], name="edit"),
    Route("/b/{body_id}/edit/draft", editor_draft, methods=["POST"], name="edit_draft"),
    Route("/b/{body_id}/edit/check", editor_live_check, methods=["POST"], name="edit_check"),
    Route("/b/{body_id}/submit", submit, methods=["POST"], name="submit"),
    Route("/b/{body_id}/v/{version_id}", version_page, name="version"),
    Route("/b/{body_id}/v/{version_id}/file", version_file, name="version_file"),
    Route("/b/{body_id}/v/{version_id}/workbook.xlsx", version_workbook, name="version_workbook"),
    Route("/b/{body_id}/v/{version_id}/preview", version_preview, name="preview"),
    Route("/b/{body_id}/v/{version_id}/report.{kind:str}", version_report, name="report"),
    Route("/b/{body_id}/stamped/{submission_id}", stamped_download, name="stamped"),
    Route("/county", county_home, name="county"),
    Route("/county/rounds", round_create, methods=["POST"], name="round_create"),
    Route("/county/rounds/{round_id}", round_page, name="round"),
    Route("/county/rounds/{round_id}/accounts", accounts_issue, methods=["GET", "POST"], name="accounts"),
    Route("/county/rounds/{round_id}/close", round_close, methods=["POST"], name="round_close"),
    Route("/county/rounds/{round_id}/chase.xlsx", chase_download, name="chase"),
    Route("/county/rounds/{round_id}/reminders", reminders_send, methods=["POST"], name="reminders"),
    Route("/county/reminders", reminder_settings, methods=["GET", "POST"], name="reminder_settings"),
    Route("/county/rounds/{round_id}/bodies", body_add, methods=["POST"], name="body_add"),
    Route("/county/rounds/{round_id}/totals", totals_page, name="totals"),
    Route("/county/rounds/{round_id}/download.zip", zip_download, name="zip"),
    Route("/county/rounds/{round_id}/bulk", round_bulk, methods=["POST"], name="round_bulk"),
    Route("/county/bodies/{body_id}/rename", body_rename, methods=["POST"], name="body_rename"),
    Route("/county/bodies/{body_id}/remove", body_remove, methods=["POST"], name="body_remove"),
    Route("/county/bodies/{body_id}/reset", body_reset, methods=["POST"], name="body_reset"),
    Route("/county/bodies/{body_id}/unlock", body_unlock, methods=["POST"], name="body_unlock"),
    Route("/county/bodies/{body_id}/{action}", body_review, methods=["POST"], name="review"),
    Route("/county/audit", audit_page, name="audit"),
    Route("/county/audit.xlsx", audit_export, name="audit_export"),
    Route("/county/staff", staff_page, methods=["GET", "POST"], name="staff"),
    Route("/county/staff/{user_id}/{action}", staff_action, methods=["POST"], name="staff_action"),
    Route("/county/security", security_page, methods=["GET", "POST"], name="security"),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.autoescape = True


@pass_context
def _when(context: Any, at: dt.datetime | None, seconds: bool = False) -> str:
    """A stored time in the page's zone, full date: ``2026-12-03 16:05``."""
    return localtime.when(at, context.get("zone", localtime.DEFAULT_ZONE), seconds=seconds)


@pass_context
def _day(context: Any, at: dt.datetime | None) -> str:
    return localtime.day(at, context.get("zone", localtime.DEFAULT_ZONE))


templates.env.filters.update(when=_when, day=_day)
templates.env.globals["zone_label"] = localtime.zone_label
templates.env.globals["target_label"] = pointing.target_label


def create_app(settings: Settings | str) -> Starlette:
    """The portal as an ASGI application (the schema is upgraded here, before serving)."""
    if isinstance(settings, str):
        settings = Settings(settings)
    portal = Portal(settings)
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: _http_error})
    app.state.portal = portal
    app.add_middleware(SecurityHeaders, max_upload=settings.max_upload + 1024 * 1024, timeout=settings.body_timeout)
    with portal.session() as db:
        security.purge_expired(db, settings.clock())
        db.commit()
    return app


HTTP_ERRORS = {
    400: "请求的格式不对（如上传的表单不完整），已拒绝。请刷新页面后重试。",
    404: "找不到该页面或文件。",
    405: "不支持这种请求方式。",
}


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no such route, a malformed form) in Chinese."""
    status = getattr(exc, "status_code", 400)
    return PlainTextResponse(HTTP_ERRORS.get(status, "请求无法处理。"), status_code=status, headers=getattr(exc, "headers", None))


__all__ = ["AuditEntry", "Portal", "Settings", "create_app", "open_portal"]
