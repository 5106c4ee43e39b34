"""The batch's summary as one offline HTML page: per-body status and the county's charts.

Charts are inline SVG bars drawn here, so the page needs no script, no network and no
image files: a county office can mail it or open it from a USB stick.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, StrictUndefined

from ..atomic import atomic_write
from ..results import BatchResult

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="generator" content="gongkai"><title>{{ title }}</title></head>
<body style="font-family:SimSun,宋体,Noto Serif CJK SC,serif;max-width:1000px;margin:1em auto;color:#000;">
<h1 style="font-size:22px;text-align:center;">{{ title }}</h1>
<p>{{ counts }}</p>
{% for chart in charts %}<h2 style="font-size:17px;">{{ chart.title }}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="{{ width }}" height="{{ chart.height }}" role="img" aria-label="{{ chart.title }}" style="font-size:12px;">
{% for bar in chart.bars %}<text x="{{ label_width - 6 }}" y="{{ bar.y + 13 }}" text-anchor="end">{{ bar.label }}</text>
<rect x="{{ label_width }}" y="{{ bar.y }}" width="{{ bar.width }}" height="18" fill="#4472c4"></rect>
<text x="{{ label_width + bar.width + 4 }}" y="{{ bar.y + 13 }}">{{ bar.value }}</text>
{% endfor %}</svg>
{% endfor %}
<h2 style="font-size:17px;">各单位情况（问题多的在前）</h2>
<table style="border-collapse:collapse;width:100%;font-size:13px;">
<tr>{% for h in headings %}<th style="border:1px solid #000;padding:3px;background:#d9e1f2;">{{ h }}</th>{% endfor %}</tr>
{% for r in rows %}<tr>{% for c in r %}<td style="border:1px solid #000;padding:3px;">{{ c }}</td>{% endfor %}</tr>
{% endfor %}</table>
</body>
</html>
"""

_env = Environment(autoescape=True, undefined=StrictUndefined)
_template = _env.from_string(_PAGE)
WIDTH, LABEL_WIDTH, BAR_AREA = 900, 180, 640


def render_summary_page(batch: BatchResult) -> str:
    year = f"{batch.year}年" if batch.year else ""
    charts = []
    for title, series in batch.chart_series().items():
        top = max((v for _, v in series), default=0) or 1
        bars = [
            {"label": name, "value": value, "y": 6 + 24 * i, "width": round(BAR_AREA * value / top, 1)}
            for i, (name, value) in enumerate(series)
        ]
        charts.append({"title": title, "bars": bars, "height": 12 + 24 * len(bars)})
    rows = [
        [
            r.body.name if r.body else "（无法识别）",
            r.source.name,
            r.status_label,
            r.errors,
            r.warnings,
            r.outcome,
        ]
        for r in batch.worst_first()
    ]
    return _template.render(
        title=f"{year}政府信息公开工作年度报告汇总",
        counts=batch.counts_text(),
        charts=charts,
        width=WIDTH,
        label_width=LABEL_WIDTH,
        headings=["单位", "文件", "状态", "错误", "警告", "报告文件或原因"],
        rows=rows,
    )


def write_summary_page(batch: BatchResult, path: Path) -> Path:
    with atomic_write(path) as tmp:
        tmp.write_text(render_summary_page(batch), encoding="utf-8")
    return path
