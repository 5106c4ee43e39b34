"""Render a :class:`Report` into the Word report through a docxtpl template.

The template language is docxtpl's (``{{ }}``, ``{%p %}``, ``{%tr %}``, ``{%tc %}`` …): each
templated part of the .docx (the document, headers, footers, footnotes, core properties) is
cleaned with docxtpl's own ``patch_xml`` and compiled by Jinja once, when a
:class:`DocxRenderer` is made. Rendering a report then only runs the compiled templates and
writes a new zip, so a county batch of thousands of reports reuses one parsed template
instead of re-reading and re-compiling it for every body.

Rendering is strict and safe: the Jinja environment is sandboxed, autoescapes (so ``&``, ``<``
and ``{{ }}`` typed by a clerk print literally) and raises on any undefined variable; every
rendered part is parsed as XML before the file is written; the file is written to a temporary
file in the target directory and moved into place, so a failed render never leaves half a
report behind.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import io
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from .atomic import write_bytes_atomic
from .context import CONTEXT_KEYS, build_context
from .errors import OutputError, TemplateError, UnreadableInputError
from .model import Body, Report
from .package import open_package

TEMPLATE_NAME = "report.docx"
_REPO_TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / TEMPLATE_NAME
_HINT = "（可用变量见 gongkai template export 导出的默认模板）"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_XML_DECLARATION_BYTES = _XML_DECLARATION.encode("utf-8")

# The characters docxtpl's listing pass turns into Word breaks and tabs.
_LISTING_CHARS = "\n\t\a\f"
# Relationship types of the parts docxtpl renders besides the main document.
_TEMPLATED_RELS = {RT.HEADER: "页眉", RT.FOOTER: "页脚", RT.FOOTNOTES: "脚注"}

# docxtpl's escapes for literal braces in a template: {_{ prints {{, and so on.
_BRACE_ESCAPES = {"{_{": '{{ "{{" }}', "}_}": '{{ "}}" }}', "{_%": '{{ "{%" }}', "%_}": '{{ "%}" }}'}
_TC_TAG = re.compile(r"\{[{%]-?\s*tc\s")


# --- locating and exporting the template -------------------------------------------------------


def default_template_path() -> Path:
    """The packaged template (inside the wheel), else the repository's ``templates/report.docx``."""
    try:
        packaged = importlib.resources.files("gongkai") / "templates" / TEMPLATE_NAME
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, NotADirectoryError):  # pragma: no cover - unusual installs
        pass
    if _REPO_TEMPLATE.is_file():
        return _REPO_TEMPLATE
    raise TemplateError(
        f"找不到默认模板 {TEMPLATE_NAME}（已查找安装包内和 {_REPO_TEMPLATE}）。"
        "请重新安装 gongkai，或在源码目录运行 python -m gongkai.template_build 生成模板。"
    )


def export_template(directory: Path, *, name: str = TEMPLATE_NAME, overwrite: bool = False) -> Path:
    """Copy the default template to ``directory`` for customising; returns the new file.

    ``directory`` may also be a file path ending in ``.docx``. An existing file is kept unless
    ``overwrite`` is set, so a customised template is never lost to a second export.
    """
    directory = Path(directory)
    target = directory if directory.suffix.lower() == ".docx" else directory / name
    if target.exists() and not overwrite:
        raise OutputError(f"文件 {target} 已存在，未覆盖。请换一个目录，或删除（备份）该文件后重试。")
    return write_bytes_atomic(target, default_template_path().read_bytes())


# --- the prepared template ---------------------------------------------------------------------


class _NoTree:
    """A parser target that keeps nothing: a rendered part is only checked, not used."""

    def close(self) -> None:
        return None


def _check_well_formed(data: bytes, xml: str) -> None:
    """Raise XMLSyntaxError unless ``data`` (``xml`` as UTF-8) is well-formed XML.

    Parsing the bytes into no tree costs a fifth of building a tree from the str, a sixth of
    a render. On an error the str is parsed as before, so the message (columns counted in
    characters) is what it always was.
    """
    try:
        etree.fromstring(data, etree.XMLParser(target=_NoTree()))
    except etree.XMLSyntaxError:
        etree.fromstring(xml)
        raise


@dataclass(frozen=True)
class _Part:
    """One templated zip member, compiled."""

    name: str  # zip member name, e.g. word/document.xml
    label: str  # what to call it in a message: 正文, 页脚…
    template: Any  # jinja2.Template
    fix_tables: bool  # the part uses {%tc %}: rebuild table grids after rendering as docxtpl does


def _sandbox() -> SandboxedEnvironment:
    # Sandboxed: a template passed around a county office cannot reach Python internals.
    return SandboxedEnvironment(autoescape=True, undefined=StrictUndefined)


def _reason(exc: Exception) -> str:
    """Jinja's own explanation, without its trailing full stop (the sentence adds 。)."""
    return (getattr(exc, "message", None) or str(exc)).rstrip(".。 ")


def _snippet(source: str, lineno: int | None) -> str:
    """The text of the paragraph around a line of the patched XML (one line per paragraph)."""
    if not lineno:
        return ""
    lines = source.splitlines()
    text = re.sub(r"<[^>]+>", "", lines[lineno - 1] if 0 < lineno <= len(lines) else "")
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()
    return text[:60] + ("…" if len(text) > 60 else "")


class _PreparedTemplate:
    """A template opened, patched and compiled once; renders to .docx bytes many times."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.display = self.path.name
        if not self.path.is_file():
            raise TemplateError(f"找不到模板文件：{self.path}")
        if zipfile.is_zipfile(self.path):  # a custom template is an input: bombs are refused first
            try:
                open_package(self.path, resave="请用 Word 或 WPS 打开模板，另存为 .docx 后再使用。")
            except UnreadableInputError as exc:
                raise TemplateError(f"无法使用模板 {self.display}：{exc}") from exc
        try:
            raw = self.path.read_bytes()
            document = Document(io.BytesIO(raw))
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                self._members = [(info, archive.read(info.filename)) for info in archive.infolist()]
        except Exception as exc:  # python-docx raises several types for a non-docx file
            raise TemplateError(
                f"无法打开模板 {self.display}：它不是有效的 Word（.docx）文件。"
                "如果是 .doc 或 WPS 格式，请在 Word/WPS 中“另存为” .docx 后再使用。"
            ) from exc

        self._docxtpl = DocxTemplate(self.path)
        self._env = _sandbox()
        members = {info.filename for info, _ in self._members}
        wanted: list[tuple[str, str]] = [(document.part.partname.lstrip("/"), "正文")]
        for rel in document.part.rels.values():
            if not rel.is_external and rel.reltype in _TEMPLATED_RELS:
                wanted.append((rel.target_part.partname.lstrip("/"), _TEMPLATED_RELS[rel.reltype]))
        for rel in document.part.package.rels.values():
            if not rel.is_external and rel.reltype == RT.CORE_PROPERTIES:
                wanted.append((rel.target_part.partname.lstrip("/"), "文档属性"))
        data = dict(self._members_by_name())
        self.parts: list[_Part] = []
        self.asts: list[nodes.Template] = []
        for name, label in wanted:
            if name not in members:
                continue
            raw_xml = etree.tostring(etree.fromstring(data[name]), encoding="unicode")
            source = self._patched_source(raw_xml)
            try:
                ast = self._env.parse(source)
                compiled = self._env.from_string(ast)  # unknown filters and tests fail here
            except TemplateSyntaxError as exc:
                snippet = _snippet(source, exc.lineno)
                # Line 1 is the part's opening tag; each paragraph starts a new line after it.
                paragraph = max((exc.lineno or 2) - 1, 1)
                where = f"{label}第 {paragraph} 段" + (f"（“{snippet}”）" if snippet else "")
                raise TemplateError(
                    f"模板 {self.display} 的{where}附近有模板语法错误：{_reason(exc)}。"
                    "请检查 {{ }} 和 {% %} 是否成对、拼写是否正确。"
                ) from exc
            self.asts.append(ast)
            # {%tc %} is gone once patched, so look for it in the text as typed.
            uses_tc = bool(_TC_TAG.search(re.sub(r"<[^>]+>", "", raw_xml)))
            self.parts.append(_Part(name, label, compiled, uses_tc))
        self._static_zip = self._compress_static_members()

    def _compress_static_members(self) -> bytes:
        """Every part no render changes (styles, fonts, theme…), compressed once.

        Each render appends its own parts to a copy of this archive instead of compressing
        the whole package again: recompression was a third of the time of a render.
        """
        rendered = {part.name for part in self.parts}
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for info, data in self._members:
                if info.filename not in rendered:
                    archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()

    def _members_by_name(self) -> Iterable[tuple[str, bytes]]:
        return ((info.filename, data) for info, data in self._members)

    def _patched_source(self, xml: str) -> str:
        source = self._docxtpl.patch_xml(xml)
        for escaped, literal in _BRACE_ESCAPES.items():
            source = source.replace(escaped, literal)
        # One line per paragraph, as docxtpl does, so a syntax error's line number points
        # at a paragraph a person can find in Word.
        return re.sub(r"<w:p([ >])", r"\n<w:p\1", source)

    # -- checking ---------------------------------------------------------------------------

    def undeclared(self) -> set[str]:
        names: set[str] = set()
        for ast in self.asts:
            names |= meta.find_undeclared_variables(ast)
        return names

    def unknown_paths(self, context: Mapping[str, Any]) -> list[str]:
        """Dotted names (``t3.new.naturl_person``) that the context does not have.

        Only chains on global names are checked, and only through dicts: a loop variable or
        a string method cannot be judged from the template alone.
        """
        undeclared = self.undeclared()
        assigned: set[str] = set()
        for ast in self.asts:
            for node in ast.find_all(nodes.Name):
                if node.ctx in ("store", "param"):
                    assigned.add(node.name)
        unknown: list[str] = []
        for ast in self.asts:
            for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
                chain: list[str] = []
                current: nodes.Node = node
                while True:
                    if isinstance(current, nodes.Getattr):
                        chain.append(current.attr)
                        current = current.node
                    elif isinstance(current, nodes.Getitem) and isinstance(current.arg, nodes.Const):
                        chain.append(str(current.arg.value))
                        current = current.node
                    else:
                        break
                if not isinstance(current, nodes.Name) or current.name not in undeclared:
                    continue
                if current.name in assigned or current.name not in context:
                    continue
                value: Any = context[current.name]
                path = [current.name]
                for key in reversed(chain):
                    if not isinstance(value, Mapping):
                        break
                    path.append(key)
                    if key not in value:
                        dotted = ".".join(path)
                        if dotted not in unknown:
                            unknown.append(dotted)
                        break
                    value = value[key]
        return unknown

    # -- rendering ----------------------------------------------------------------------------

    def render_bytes(self, context: Mapping[str, Any]) -> bytes:
        rendered: dict[str, bytes] = {}
        for part in self.parts:
            try:
                xml = part.template.render(context)
            except JinjaTemplateError as exc:
                hint = _HINT if isinstance(exc, UndefinedError) else ""
                raise TemplateError(
                    f"模板 {self.display} 的{part.label}渲染失败：{_reason(exc)}。{hint}"
                ) from exc
            # Undo the one line per paragraph of _patched_source. Plain replaces, not a regex:
            # expanding a group per paragraph in Python was a tenth of a render.
            xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
            # Four substring scans, not a regex character class: that scan of a whole document
            # was a sixth of a render.
            if any(ch in xml for ch in _LISTING_CHARS):
                # docxtpl turns \n, \t, \a and \f inside text into Word breaks and tabs. Its
                # regex pass is over half of a render, and gongkai's own context never holds
                # these characters (paragraphs are split, lines cleaned), so only a custom
                # template that prints such text pays for it.
                xml = self._docxtpl.resolve_listing(xml)
            data = xml.encode("utf-8")
            try:
                _check_well_formed(data, xml)
            except etree.XMLSyntaxError as exc:
                raise TemplateError(
                    f"模板 {self.display} 的{part.label}渲染后不是有效的 Word 文档结构（{exc}）。"
                    "请检查 {%p %}、{%tr %} 等标签是否各占一个段落或表格行。"
                ) from exc
            if part.fix_tables:
                tree = self._docxtpl.fix_tables(xml)
                data = etree.tostring(tree, encoding="unicode").encode("utf-8")
            rendered[part.name] = _XML_DECLARATION_BYTES + data
        out = io.BytesIO(self._static_zip)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
            for info, _ in self._members:
                if info.filename in rendered:
                    archive.writestr(info, rendered[info.filename], compress_type=zipfile.ZIP_DEFLATED)
        return out.getvalue()


# --- validation --------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def reference_context() -> dict[str, Any]:
    """The context of a minimal report: the names and structure every report's context has."""
    return build_context(Report(body=Body(name="示例镇人民政府", year=2025)))


def _check(prepared: _PreparedTemplate, context: Mapping[str, Any]) -> None:
    missing = sorted(prepared.undeclared() - set(context))
    missing += prepared.unknown_paths(context)
    if missing:
        raise TemplateError(f"模板 {prepared.display} 使用了未知变量：{'、'.join(missing)}{_HINT}")
    # A dry run catches what static checks cannot (a filter on the wrong type, tags that
    # leave broken XML) once, instead of in the middle of a batch.
    prepared.render_bytes(context)


def validate_template(path: Path, context: Mapping[str, Any] | None = None) -> None:
    """Check a (custom) template before rendering; raise :class:`TemplateError` in Chinese.

    Checks that the file opens as .docx, that its Jinja parses (message names the paragraph),
    that every variable it uses exists in the context (``context`` defaults to the
    structure every report has, see :func:`reference_context`), and that a trial render gives
    a well-formed document.
    """
    if context is None:
        # The prepared template is cached, so validating before each render of a batch
        # costs nothing after the first time.
        get_renderer(Path(path))
    else:
        _check(_PreparedTemplate(Path(path)), context)


# --- rendering ---------------------------------------------------------------------------------


class DocxRenderer:
    """A template prepared once (opened, patched, compiled, checked) to render many reports.

    >>> renderer = DocxRenderer()                      # default template
    >>> for report in reports:                         # doctest: +SKIP
    ...     renderer.render(report, out_dir / f"{report.body.name}.docx")
    """

    def __init__(self, template: Path | None = None) -> None:
        self.template_path = Path(template) if template is not None else default_template_path()
        self._prepared = _PreparedTemplate(self.template_path)
        # The packaged template is checked by the test suite (test_packaged_template_passes_
        # every_check); checking it again costs ~0.15 s in every batch worker. A custom one
        # is an input and is always checked.
        if not _is_packaged(self.template_path):
            _check(self._prepared, reference_context())

    def render_bytes(self, report: Report) -> bytes:
        return self.render_context_bytes(build_context(report))

    def render_context_bytes(self, context: Mapping[str, Any]) -> bytes:
        return self._prepared.render_bytes(context)

    def render(self, report: Report, out: Path) -> Path:
        """Render ``report`` to ``out`` atomically; returns ``out``."""
        return self.render_context(build_context(report), out)

    def render_context(self, context: Mapping[str, Any], out: Path) -> Path:
        out = self.check_output(out)
        write_bytes_atomic(out, self.render_context_bytes(context))
        return out

    def check_output(self, out: Path) -> Path:
        """``out`` as a path a report may be written to: neither a folder nor the template."""
        out = Path(out)
        if out.exists() and out.is_dir():
            raise OutputError(f"输出路径 {out} 是一个目录，请给出 .docx 文件名。")
        with contextlib.suppress(OSError):
            if out.exists() and out.samefile(self.template_path):
                raise OutputError(f"输出文件 {out} 就是模板本身，不能覆盖模板。请换一个输出文件名。")
        return out


_RENDERERS: dict[tuple[str, int, int], DocxRenderer] = {}


def _is_packaged(path: Path) -> bool:
    try:
        return path.resolve() == default_template_path().resolve()
    except OSError:
        return False


def get_renderer(template: Path | None = None) -> DocxRenderer:
    """A cached renderer for ``template``; a template edited on disk is prepared again."""
    path = Path(template) if template is not None else default_template_path()
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    except OSError as exc:
        raise TemplateError(f"找不到模板文件：{path}") from exc
    renderer = _RENDERERS.get(key)
    if renderer is None:
        renderer = DocxRenderer(path)
        if len(_RENDERERS) >= 8:
            _RENDERERS.clear()
        _RENDERERS[key] = renderer
    return renderer


def render_docx(report: Report, out: Path, template: Path | None = None) -> Path:
    """Render ``report`` as the Word report at ``out`` (atomic write); returns ``out``.

    ``template`` is a custom docxtpl template; by default the packaged one is used. The
    prepared template is cached, so rendering many reports with one template is cheap.
    """
    return get_renderer(template).render(report, Path(out))


__all__ = [
    "CONTEXT_KEYS",
    "DocxRenderer",
    "default_template_path",
    "export_template",
    "get_renderer",
    "reference_context",
    "render_docx",
    "validate_template",
]
