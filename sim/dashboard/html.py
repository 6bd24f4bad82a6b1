"""Markdown shown as HTML in the page, rendered here (markdown-it, raw HTML escaped): Solara's
own Markdown component loads KaTeX from a CDN, which a machine without internet cannot reach."""

from __future__ import annotations

import solara
from markdown_it import MarkdownIt

_RENDER = MarkdownIt("commonmark", {"html": False}).enable("table")
CSS = """
.dash-markdown table { border-collapse: collapse; margin: 0.5em 0; }
.dash-markdown th, .dash-markdown td { border-bottom: 1px solid #e0e0e0; padding: 2px 10px;
    text-align: left; vertical-align: top; }
.dash-markdown th { background: #f5f5f5; }
.dash-markdown strong { font-weight: 700; }
.knob { border-bottom: 1px solid #eeeeee; padding: 2px 0 6px 0; }
.dash-progress, .dash-progress * { transition: none !important; }
"""


@solara.component
def Styles():
    """The page's few rules: tables with lines between rows, fields apart."""
    solara.Style(CSS)


@solara.component
def Markdown(text: str, classes: tuple[str, ...] = ()):
    """The summary tables and scorecards (as ``plots/summary.md``), as an HTML table."""
    html = _RENDER.render(text)
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["dash-markdown", *classes],
                style={"font-size": "0.85em", "overflow-x": "auto"})
