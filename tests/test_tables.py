"""Tables: the same rows as Markdown and as aligned text, whatever the cells hold."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from sim import tables

ROWS = ["RedNote", ["peak daily US users", "28.2M", "365k"], ["tried it", "31.0 %", ""],
        "TikTok", ["lowest daily users", "79.4M", "80.2M"]]


def test_markdown_has_a_bold_row_per_section_and_a_row_per_outcome():
    assert tables.markdown(["outcome", "observed", "baseline"], ROWS).splitlines() == [
        "| outcome | observed | baseline |",
        "|---|---|---|",
        "| **RedNote** | | |",
        "| peak daily US users | 28.2M | 365k |",
        "| tried it | 31.0 % | |",
        "| **TikTok** | | |",
        "| lowest daily users | 79.4M | 80.2M |",
    ]


def test_text_lines_up_the_columns_and_puts_sections_on_their_own_lines():
    assert tables.text(ROWS, header=["", "observed", "baseline"]).splitlines() == [
        "                     observed  baseline",
        "RedNote",
        "peak daily US users  28.2M     365k",
        "tried it             31.0 %",
        "TikTok",
        "lowest daily users   79.4M     80.2M",
    ]


cells = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)


@given(st.lists(st.lists(cells, min_size=3, max_size=3), max_size=5))
def test_any_cell_text_stays_in_its_markdown_cell(rows):
    lines = tables.markdown(["a", "b", "c"], rows).split("\n")
    assert len(lines) == len(rows) + 2
    for line in lines:  # the same number of cell borders (unescaped |) on every line
        assert len(re.findall(r"(?<!\\)\|", line)) == 4, line


@given(st.lists(st.lists(st.text("ab |", max_size=6), min_size=3, max_size=3), min_size=1,
                max_size=5))
def test_every_text_column_starts_at_the_same_place(rows):
    rows = [[f"<{c}" for c in row] for row in rows]  # each cell starts with a visible mark
    lines = tables.text(rows).splitlines()
    starts = [[m.start() for m in re.finditer("<", line)] for line in lines]
    assert all(s == starts[0] for s in starts)
