"""Tables for people, from the same rows: Markdown for files, aligned plain text for a terminal.

A row is a list of cells (anything, shown with ``str``); a row that is a plain string is a
section heading: a bold row in Markdown, a line of its own in text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Row = Sequence[object] | str


def markdown(header: Sequence[object], rows: Iterable[Row]) -> str:
    """A GitHub-flavoured Markdown table (no trailing newline); ``|`` in a cell is escaped and a
    line break becomes a space, so that any text stays in its cell."""

    def line(cells: Sequence[object]) -> str:
        shown = (_cell(c).replace("|", r"\|") for c in cells)
        return "|" + "".join(f" {c} |" if c else " |" for c in shown)

    lines = [line(header), "|" + "---|" * len(header)]
    for row in rows:
        if isinstance(row, str):
            row = [f"**{row}**", *[""] * (len(header) - 1)]
        lines.append(line(row))
    return "\n".join(lines)


def text(rows: Iterable[Row], header: Sequence[object] | None = None, gap: int = 2) -> str:
    """Columns padded to their widest cell (section headings do not count) and ``gap`` spaces
    apart, without trailing blanks (no trailing newline)."""
    rows = list(rows)
    cells = [[_cell(c) for c in row] for row in ([header] if header is not None else []) + [
        r for r in rows if not isinstance(r, str)]]
    widths = [max(len(row[i]) for row in cells if i < len(row))
              for i in range(max(map(len, cells), default=0))]
    spacer = " " * gap

    def line(row: Sequence[object]) -> str:
        return spacer.join(_cell(c).ljust(w) for c, w in zip(row, widths, strict=False)).rstrip()

    body = [row if isinstance(row, str) else line(row) for row in rows]
    return "\n".join(([line(header)] if header is not None else []) + body)


def _cell(value: object) -> str:
    return " ".join(str(value).splitlines())
