"""Markdown and LaTeX to safe HTML, offline: what a student wrote, as the grader and the student see it.

markdown-it-py (CommonMark, raw HTML escaped, unsafe link schemes refused) with the
dollarmath plugin of mdit-py-plugins for ``$...$`` and ``$$...$$``; the LaTeX becomes MathML
(latex2mathml), which browsers draw natively: no MathJax, no network at grading time. The
MathML is parsed back and kept only if every element and attribute is plain MathML, so that
``$\\text{<script>…}$`` comes out as text; LaTeX that cannot be converted is shown as code.
"""
from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from functools import lru_cache

MATHML = "http://www.w3.org/1998/Math/MathML"
MATHML_ELEMENTS = {
    "math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mspace", "msub", "msup", "msubsup", "mfrac", "msqrt", "mroot",
    "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mlabeledtr", "mstyle", "mpadded", "mphantom",
    "menclose", "mfenced", "merror", "mmultiscripts", "mprescripts", "none", "semantics", "annotation",
}
MATHML_ATTRIBUTES = {
    "display", "stretchy", "width", "height", "depth", "mathvariant", "fence", "separator", "separators", "lspace",
    "rspace", "accent", "accentunder", "columnalign", "columnspacing", "columnlines", "rowalign", "rowspacing",
    "rowlines", "frame", "displaystyle", "scriptlevel", "linethickness", "minsize", "maxsize", "movablelimits",
    "form", "notation", "open", "close", "symmetric", "largeop", "voffset", "encoding", "mathsize", "align",
}


def safe_mathml(markup: str) -> str | None:
    """The MathML re-serialised from its parsed tree, or None if anything in it is not plain MathML."""
    try:
        root = ET.fromstring(markup)
    except ET.ParseError:
        return None
    for element in root.iter():
        tag = element.tag.split("}")[-1]
        if tag not in MATHML_ELEMENTS or any(name not in MATHML_ATTRIBUTES for name in element.attrib):
            return None
    ET.register_namespace("", MATHML)
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


def latex(tex: str, display: bool) -> str:
    """LaTeX as MathML, or the escaped LaTeX as code when it cannot be converted safely."""
    from latex2mathml.converter import convert

    try:
        mathml = safe_mathml(convert(tex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises its own errors (and others) on LaTeX it does not know
        mathml = None
    if mathml is None:
        delimiter = "$$" if display else "$"
        return f'<code class="tex">{html.escape(delimiter + tex + delimiter)}</code>'
    return mathml


@lru_cache(maxsize=1)
def _markdown():  # noqa: ANN202 — a configured markdown_it.MarkdownIt
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    dollarmath_plugin(md, double_inline=True, renderer=lambda tex, options: latex(tex, options["display_mode"]))
    return md


def markdown(text: str) -> str:
    """A student's (or the model) answer as HTML: Markdown with LaTeX, no raw HTML, nothing fetched."""
    return _markdown().render(text or "")
