"""The report as one self-contained portal page.

Portal editors (CMS) keep little more than tags and inline styles, so the page uses
minimal inline styling, no scripts, no classes that need a stylesheet, and no external
resources. Everything printed comes from the same context as the Word report, so the
two say the same thing; narrative text is escaped, never markup.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, StrictUndefined

from .. import format as fmt
from ..atomic import atomic_write
from ..context import build_context
from ..model import Report
from .tables import appeal_rows, proactive_rows, request_rows

_TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="generator" content="gongkai">
<title>{{ title }}</title>
</head>
<body style="{{ s.page }}">
<h1 style="{{ s.title }}">{% for line in title_lines %}{{ line }}{% if not loop.last %}<br>{% endif %}{% endfor %}</h1>
{% for p in preamble %}<p style="{{ s.p }}">{{ p }}</p>
{% endfor %}
<h2 style="{{ s.h2 }}">{{ headings[0] }}</h2>
{% for p in overview.intro %}<p style="{{ s.p }}">{{ p }}</p>
{% endfor %}
{% for aspect in aspects %}<h3 style="{{ s.h3 }}">{{ aspect.heading }}</h3>
{% for p in overview[aspect.key] %}<p style="{{ s.p }}">{{ p }}</p>
{% endfor %}{% endfor %}
<h2 style="{{ s.h2 }}">{{ headings[1] }}</h2>
{{ table(t2_rows) }}
<h2 style="{{ s.h2 }}">{{ headings[2] }}</h2>
{{ table(t3_rows) }}
<h2 style="{{ s.h2 }}">{{ headings[3] }}</h2>
{{ table(t4_rows) }}
<h2 style="{{ s.h2 }}">{{ headings[4] }}</h2>
{% for part in improvement_parts %}<h3 style="{{ s.h3 }}">{{ part.heading }}</h3>
{% for p in improvements[part.key] %}<p style="{{ s.p }}">{{ p }}</p>
{% endfor %}{% endfor %}
<h2 style="{{ s.h2 }}">{{ headings[5] }}</h2>
{% for item in other_matters %}{% if item.heading %}<h3 style="{{ s.h3 }}">{{ item.heading }}</h3>
{% endif %}{% for p in item.paragraphs %}<p style="{{ s.p }}">{{ p }}</p>
{% endfor %}{% endfor %}
</body>
</html>
"""

_TABLE = """{% macro table(rows) %}<table style="{{ s.table }}">
{% for row in rows %}<tr>{% for c in row %}<td{% if c.rowspan > 1 %} rowspan="{{ c.rowspan }}"{% endif %}{% if c.colspan > 1 %} colspan="{{ c.colspan }}"{% endif %} style="{{ s.th if c.header else (s.num if c.number else s.td) }}">{{ c.text }}</td>{% endfor %}</tr>
{% endfor %}</table>{% endmacro %}"""

STYLES = {
    "page": "max-width:800px;margin:0 auto;font-family:FangSong,仿宋,仿宋_GB2312,serif;font-size:16px;line-height:1.8;color:#000;",
    "title": "text-align:center;font-family:方正小标宋简体,SimSun,宋体,serif;font-size:26px;font-weight:normal;line-height:1.5;",
    "h2": "font-family:SimHei,黑体,sans-serif;font-size:18px;font-weight:normal;margin:1em 0 0.5em;",
    "h3": "font-family:KaiTi,楷体,楷体_GB2312,serif;font-size:17px;font-weight:bold;margin:0.6em 0 0.3em;text-indent:2em;",
    "p": "text-indent:2em;margin:0.3em 0;text-align:justify;",
    "table": "border-collapse:collapse;width:100%;font-size:13px;line-height:1.4;margin:0.5em 0 1em;",
    "th": "border:1px solid #000;padding:3px 4px;text-align:center;vertical-align:middle;",
    "td": "border:1px solid #000;padding:3px 4px;text-align:left;vertical-align:middle;",
    "num": "border:1px solid #000;padding:3px 4px;text-align:center;vertical-align:middle;",
}

_env = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=False, keep_trailing_newline=True)
_template = _env.from_string(_TABLE + _TEMPLATE)


def render_html(report: Report) -> str:
    """The report as a UTF-8 HTML page: six sections, paragraphs, tables with spans."""
    ctx = build_context(report)
    return _template.render(
        **ctx,
        s=STYLES,
        headings=fmt.SECTION_HEADINGS,
        aspects=fmt.OVERVIEW_ASPECTS,
        improvement_parts=fmt.IMPROVEMENT_FIELDS,
        t2_rows=proactive_rows(ctx["t2"]),
        t3_rows=request_rows(ctx["t3"]),
        t4_rows=appeal_rows(ctx["t4"]),
    )


def write_html(report: Report, path: str | Path) -> Path:
    path = Path(path)
    with atomic_write(path) as tmp:
        tmp.write_text(render_html(report), encoding="utf-8")
    return path
