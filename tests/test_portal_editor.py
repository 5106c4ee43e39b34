"""在线填写 (issue 13, the no-JavaScript form): a clerk writes the report in the browser."""

from __future__ import annotations

import html
import io
import re
import zipfile

from gongkai import format as fmt
from gongkai import read_report
from gongkai.formdata import form_fields, form_values
from gongkai.jsonio import report_to_json
from gongkai.portal import queries
from gongkai.portal.db import Version
from portal_support import admin_client, client_for, csrf_of, filer_client, post, sample_bytes


def _form(page: str) -> dict[str, str]:
    """Every input and text area of the editor as the browser would post it."""
    values = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<input name="([^"]+)" value="([^"]*)"', page)}
    values |= {m.group(1): html.unescape(m.group(2)) for m in re.finditer(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S)}
    return values


def _edit(client, body: int, changes: dict[str, str], action: str = "save"):  # type: ignore[no-untyped-def]
    page = client.get(f"/b/{body}/edit")
    assert page.status_code == 200, page.text[:300]
    values = _form(page.text)
    base = re.search(r'name="base" value="(\d+)"', page.text)
    assert base
    return client.post(
        f"/b/{body}/edit",
        data={**values, **changes, "base": base.group(1), "action": action, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_the_editor_draws_every_field_of_the_form_in_the_official_tables(app, world) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    page = east.get(f"/b/{world.bodies['东山镇']}/edit")
    assert page.status_code == 200
    assert set(_form(page.text)) == {s.path for s in form_fields()}
    for table in fmt.TABLES:
        for cell in table.cells:
            if cell.role != "data":
                assert html.escape(cell.text, quote=False) in page.text
    # Totals are computed and shown, never inputs.
    assert 'name="requests.new.total"' not in page.text and 'data-path="requests.new.total"' in page.text


def test_a_clerk_with_no_workbook_fills_the_form_and_saves_a_version(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _edit(east, body, {"requests.new.natural_person": "3", "requests.granted.natural_person": "3", "overview.proactive": "本年主动公开信息 12 条。\n第二段。"})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/b/{body}/v/")
    with portal.session() as db:
        (version,) = db.query(Version).filter(Version.body_id == body).all()
        report = queries.report_of(version)
        assert version.filename == "在线填报.json" and version.kind == ".json"
        assert report.requests.new.natural_person == 3 and report.request("new", "total") == 3
        assert report.overview.proactive == "本年主动公开信息 12 条。\n第二段。"
        assert report.body.name == "东山镇人民政府"
        # Stored exactly as an upload of its JSON: the Word report is the library's render of it.
        stored = report_to_json(report)
    assert read_report(stored.encode("utf-8"), "x.json").requests.new.natural_person == 3


def test_check_shows_the_librarys_findings_on_the_cell_and_stores_nothing(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _edit(east, body, {"requests.new.natural_person": "5"}, action="check")  # 5 received, none handled
    assert r.status_code == 200
    assert 'id="findings"' in r.text and "R3-1" in r.text
    assert re.search(r'data-path="requests\.[a-z_]+\.natural_person" class="num flagged error"', r.text)
    with portal.session() as db:
        assert db.query(Version).filter(Version.body_id == body).count() == 0


def test_text_in_a_number_cell_is_refused_naming_the_cell_and_kept(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = _edit(east, body, {"requests.new.commercial": "两件", "overview.management": "我写的文字"})
    assert r.status_code == 422
    assert "商业企业" in r.text and "未保存" in r.text
    assert 'value="两件"' in r.text and "我写的文字" in r.text  # nothing typed is lost
    with portal.session() as db:
        assert db.query(Version).filter(Version.body_id == body).count() == 0


def test_a_second_save_from_a_stale_page_is_refused_and_keeps_the_text(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    stale = east.get(f"/b/{body}/edit")  # tab 1 opens the editor
    assert _edit(east, body, {"overview.management": "第二个窗口的内容"}).status_code == 303  # tab 2 saves
    values = _form(stale.text) | {"overview.management": "第一个窗口的内容"}
    r = east.post(
        f"/b/{body}/edit",
        data={**values, "base": "0", "action": "save", "csrf_token": csrf_of(stale.text)},
        follow_redirects=False,
    )
    assert r.status_code == 409 and "第 1 版" in r.text and "第一个窗口的内容" in r.text
    with portal.session() as db:
        assert db.query(Version).filter(Version.body_id == body).count() == 1


def test_the_editor_starts_from_the_latest_version(app, world) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    r = post(east, f"/b/{body}", f"/b/{body}/upload", files={"file": ("东山镇.xlsx", sample_bytes("东山镇"), "application/octet-stream")})
    assert r.status_code == 303
    page = east.get(f"/b/{body}/edit")
    expected = form_values(read_report(sample_bytes("东山镇"), "东山镇.xlsx"))
    assert {k: v for k, v in _form(page.text).items() if k in expected} == expected
    assert "从第 1 版开始编辑" in page.text


def test_hostile_text_stays_text_in_the_editor_and_the_report(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    hostile = "<script>alert(1)</script>{{ 7*7 }}{% if 1 %}x{% endif %}&=SUM(A1)"
    r = _edit(east, body, {"overview.platforms": hostile, "preamble.contact": "=HYPERLINK(\"x\")"})
    assert r.status_code == 303
    page = east.get(f"/b/{body}/edit")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    with portal.session() as db:
        version = db.query(Version).filter(Version.body_id == body).one()
        vid = version.id
    docx = east.get(f"/b/{body}/v/{vid}/report.docx")
    assert docx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        document = z.read("word/document.xml").decode("utf-8")
    assert "{{ 7*7 }}" in html.unescape(document) and "&lt;script&gt;" in document


def test_another_body_and_nobody_cannot_open_or_post_the_editor(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east_id = world.bodies["东山镇"]
    west = filer_client(app, world, "西山镇")
    assert west.get(f"/b/{east_id}/edit").status_code == 404
    page = west.get(f"/b/{world.bodies['西山镇']}/edit")
    r = west.post(f"/b/{east_id}/edit", data={"action": "save", "base": "0", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 404
    nobody = client_for(app)
    assert nobody.get(f"/b/{east_id}/edit", follow_redirects=False).status_code == 303  # to the login page
    assert nobody.post(f"/b/{east_id}/edit", data={"action": "save"}, follow_redirects=False).status_code == 403
    with portal.session() as db:
        assert db.query(Version).count() == 0


def test_a_post_without_the_csrf_token_is_refused(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    east = filer_client(app, world, "东山镇")
    body = world.bodies["东山镇"]
    page = east.get(f"/b/{body}/edit")
    r = east.post(f"/b/{body}/edit", data={**_form(page.text), "base": "0", "action": "save"}, follow_redirects=False)
    assert r.status_code == 403
    with portal.session() as db:
        assert db.query(Version).count() == 0


def test_the_county_sees_the_editor_read_only_and_cannot_save(app, world, portal) -> None:  # type: ignore[no-untyped-def]
    county = admin_client(app)
    body = world.bodies["东山镇"]
    page = county.get(f"/b/{body}/edit")
    assert page.status_code == 200 and "disabled" in page.text and 'id="editor-save"' not in page.text
    r = county.post(
        f"/b/{body}/edit", data={**_form(page.text), "base": "0", "action": "save", "csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert r.status_code == 403
    with portal.session() as db:
        assert db.query(Version).count() == 0
