"""Markdown shown as HTML in the page, rendered here (markdown-it, raw HTML escaped): Solara's
own Markdown component loads KaTeX from a CDN, which a machine without internet cannot reach."""

from __future__ import annotations

import solara
from markdown_it import MarkdownIt

_RENDER = MarkdownIt("commonmark", {"html": False}).enable("table")


@solara.component
def Markdown(text: str, classes: tuple[str, ...] = ()):
    """The summary tables and scorecards (as ``plots/summary.md``), as an HTML table."""
    html = _RENDER.render(text)
    solara.HTML(tag="div", unsafe_innerHTML=html, classes=["dash-markdown", *classes],
                style={"font-size": "0.85em", "overflow-x": "auto"})
