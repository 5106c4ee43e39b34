"""Rebuild the bundled sample workbooks (and their rendered reports).

    python samples/build_samples.py

``dayu-2025``: the 大峪镇人民政府 2025 report with every figure exactly as published; the
narrative is written in this project's own words carrying the same facts.
``dongcheng-2025``: a fictional, busy 街道 with non-zero figures in every table,
consistent throughout (tables, narrative and cross-checks).
"""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

from gongkai import Report, check_report, render_report, write_workbook
from gongkai.model import Body, Channels, NewMediaAccount, Preamble, WebsiteItem

HERE = Path(__file__).resolve().parent


def dayu_2025() -> Report:
    r = Report(
        body=Body(name="大峪镇人民政府", short_name="大峪镇", level="乡镇", parent="济源市", year=2025),
        preamble=Preamble(portal="济源市人民政府门户网站", contact="大峪镇党政综合办公室"),
        channels=Channels(
            website_posts=None,
            website_breakdown=[
                WebsiteItem(label="政策文件", count=4),
                WebsiteItem(label="法定主动公开内容", count=13),
                WebsiteItem(label="基层政务信息", count=52),
            ],
            new_media=[NewMediaAccount(name="河南济源大美大峪", platform="微信公众号", posts=640)],
        ),
    )
    o = r.overview
    o.intro = (
        "2025年，大峪镇在上级部门指导下，认真贯彻《中华人民共和国政府信息公开条例》，"
        "把政务公开作为保障群众知情权、参与权、监督权的基础工作，全年各项公开工作有序推进。"
    )
    o.proactive = (
        "大峪镇依托政府门户网站和政务微信公众号两个平台发布政务信息，全年共发布信息709条，"
        "涉及政策文件、民生实事进展、财政资金使用等群众关心的领域。\n"
        "其中，政府网站发布信息69条，包括政策文件4条、法定主动公开内容13条、基层政务信息52条；"
        "政务微信公众号“河南济源大美大峪”发布信息640条。"
    )
    o.requests = (
        "大峪镇完善依申请公开办理机制，明确专人负责登记、办理和答复，严格执行法定程序和答复时限，"
        "保持申请渠道畅通。2025年全年共受理政府信息公开申请0件。"
    )
    o.management = (
        "大峪镇健全信息发布前的审核把关机制，落实“三审三校”要求，明确起草、审核、发布各环节责任，"
        "防止涉密信息和不实信息上网；对已公开信息定期清理、动态更新，保证公开内容准确有效。"
    )
    o.platforms = (
        "大峪镇持续优化政府信息公开平台，调整门户网站栏目设置，提高政策解读的通俗性。"
        "政务新媒体方面，完善运营管理制度，全年通过微信公众号发布信息640条，"
        "内容包括政策宣传、应急通知和便民提示等。"
    )
    o.oversight = (
        "大峪镇把政务公开工作纳入年度绩效考核，明确考评标准，采取定期与不定期相结合的方式开展监督检查，"
        "督促各部门落实公开责任；向社会公开监督渠道，接受群众评议。本年度未发生需要追究责任的情况。"
    )
    r.proactive.penalties = 30
    r.improvements.problems = (
        "一是信息发布的时效性还不够强，部分领域信息更新速度跟不上群众期待，个别内容公开有所延迟。"
        "二是公开内容的实用性和精准度有待提高，政策解读形式较为传统，图表、案例等直观解读运用不足。"
        "三是政民互动的深度和广度不够，互动方式较为单一，新媒体互动功能利用不充分。"
    )
    r.improvements.improvements = (
        "一是加强时效管理，建立信息发布动态台账，明确各类信息更新周期和责任人，重点工作信息随产生随报送，定期通报更新情况。\n"
        "二是深化政策解读，落实“谁起草、谁解读”，政策文件与解读材料同步发布，推广“一图读懂”、简明问答、短视频等解读形式。\n"
        "三是创新互动方式，结合本镇重点工作常态化开展线上民意征集和政策问答，推动网站与政务新媒体融合，提高回应关切的效率。\n"
        "下一步，大峪镇将坚持问题导向，持续完善政务公开工作机制，不断提升公开质量和实效。"
    )
    r.other_matters.processing_fee_statement = "2025年，大峪镇未收取政府信息公开信息处理费。"
    return r


def dongcheng_2025() -> Report:
    r = Report(
        body=Body(
            name="青山县东城街道办事处", short_name="东城街道", level="街道", parent="青山县", year=2025
        ),
        preamble=Preamble(
            portal="青山县人民政府门户网站",
            contact="东城街道党政办公室",
            address="青山县东城街道人民路18号",
            postcode="000000",
            phone="0000-1234567",
        ),
        channels=Channels(
            website_posts=None,
            website_breakdown=[
                WebsiteItem(label="工作动态", count=96),
                WebsiteItem(label="通知公告", count=31),
                WebsiteItem(label="政策文件及解读", count=12),
                WebsiteItem(label="财政预决算", count=4),
            ],
            new_media=[
                NewMediaAccount(name="青山东城", platform="微信公众号", posts=368),
                NewMediaAccount(name="东城街道发布", platform="抖音", posts=85),
            ],
        ),
    )
    p = r.proactive
    p.normative_documents.issued, p.normative_documents.repealed, p.normative_documents.in_force = 3, 1, 12
    p.licensing, p.penalties, p.coercive_measures = 156, 42, 5
    p.fees_wan_yuan = Decimal("12.56")

    q = r.requests
    _row(q.new, natural_person=18, commercial=4, social_welfare=1, legal_service=2, other=1)
    _row(q.carried_over, natural_person=2)
    _row(q.granted, natural_person=8, commercial=2, social_welfare=1)
    _row(q.partially_granted, natural_person=3, legal_service=1)
    _row(q.denied_third_party, natural_person=1)
    _row(q.denied_process_information, natural_person=1)
    _row(q.unavailable_not_held, natural_person=4, legal_service=1)
    _row(q.unavailable_needs_creation, commercial=1)
    _row(q.not_processed_petition, natural_person=1)
    _row(q.not_processed_repeated, other=1)
    _row(q.other_no_correction, natural_person=1)
    _row(q.carried_forward, natural_person=1, commercial=1)

    a = r.appeals
    a.administrative_review.upheld, a.administrative_review.corrected = 1, 1
    a.litigation_direct.upheld = 1

    o = r.overview
    o.proactive = (
        "东城街道坚持以公开为常态，通过政府网站和政务新媒体及时发布辖区工作信息，全年共发布信息596条。"
        "其中政府网站发布143条，包括工作动态96条、通知公告31条、政策文件及解读12条、财政预决算4条；"
        "微信公众号“青山东城”发布368条，抖音号“东城街道发布”发布85条。\n"
        "全年制发行政规范性文件3件、废止1件，现行有效12件，均在网站规范性文件专栏集中公开；"
        "公开行政许可决定156件、行政处罚决定42件、行政强制决定5件。"
    )
    o.requests = (
        "2025年，东城街道共收到政府信息公开申请26件，其中自然人18件、商业企业4件、社会公益组织1件、"
        "法律服务机构2件、其他1件；另有上年结转申请2件。\n"
        "全年办结申请26件：予以公开11件，部分公开4件，不予公开2件，无法提供6件，不予处理2件，其他处理1件。"
        "结转下年度继续办理2件。\n"
        "因政府信息公开引起行政复议2件、行政诉讼1件。"
    )
    o.management = (
        "严格落实信息发布“三审三校”和保密审查制度，公开前逐条审核；每季度对已公开信息开展一次清理，"
        "及时更新失效内容，全年更新、撤下过时信息27条。"
    )
    o.platforms = (
        "完成街道政务公开专栏栏目调整，新设“基层政务公开标准目录”栏目；"
        "规范运营微信公众号和抖音号两个政务新媒体账号，落实内容审核和值守制度。"
    )
    o.oversight = (
        "将政务公开纳入各科室年度工作考核，开展两次内部检查并通报整改；通过意见箱和线上留言接受社会评议，"
        "群众满意度较高。本年度未发生政府信息公开工作责任追究情况。"
    )
    r.improvements.problems = (
        "一是部分科室主动公开意识不强，信息报送不够及时。二是政策解读形式较为单一，图解、视频解读偏少。"
    )
    r.improvements.improvements = (
        "一是建立信息报送月度通报制度，把报送时效纳入科室考核。\n"
        "二是每季度至少制作一期图解或短视频解读，提高政策解读的可读性。"
    )
    r.other_matters.processing_fee_statement = "2025年，东城街道未收取政府信息公开信息处理费。"
    r.other_matters.work_points = "按照县政务公开工作要点，完成基层政务公开标准目录梳理，公开事项清单动态调整2次。"
    r.other_matters.proposals = "本年度承办县人大代表建议2件、政协提案1件，办理结果均已公开。"
    return r


def _row(row: object, **counts: int) -> None:
    for key, value in counts.items():
        setattr(row, key, value)


SAMPLES = {"dayu-2025": dayu_2025, "dongcheng-2025": dongcheng_2025}
COUNTY_SIZE = 6


def _synthetic():
    spec = importlib.util.spec_from_file_location("gongkai_synthetic", HERE.parent / "benchmarks" / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gongkai_synthetic", module)
    spec.loader.exec_module(module)
    return module


def build_county(directory: Path = HERE / "county") -> None:
    """示例县: six townships' 2024 and 2025 workbooks (consistent across the years) and the
    list of bodies the county office distributes from."""
    synthetic = _synthetic()
    for year in ("2024", "2025"):
        (directory / year).mkdir(parents=True, exist_ok=True)
        for old in (directory / year).glob("*.xlsx"):
            old.unlink()
    rows = ["机关全称,简称,层级,所属县（市、区）"]
    for i in range(COUNTY_SIZE):
        last, this = synthetic.make_year_pair(i)
        for report in (last, this):
            write_workbook(report, directory / str(report.body.year) / f"{report.body.short_name}.xlsx")
        rows.append(f"{this.body.name},{this.body.short_name},{this.body.level},{this.body.parent}")
    (directory / "单位名单.csv").write_text("\n".join(rows) + "\n", encoding="utf-8-sig")


def main() -> int:
    status = 0
    for name, build in SAMPLES.items():
        report = build()
        findings = check_report(report)
        for f in findings:
            print(f"{name}: {f.severity} {f.rule} {f.message}", file=sys.stderr)
        if any(f.severity == "error" for f in findings):
            status = 1
        write_workbook(report, HERE / f"{name}.xlsx")
        render_report(report, HERE / f"{name}.docx")
        print(f"{name}: {HERE / (name + '.xlsx')}, {HERE / (name + '.docx')}")
    build_county()
    print(f"county: {HERE / 'county'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
