"""Tables of the harness: printed with rich, written as Markdown between markers in BENCHMARKS.md.

The harness owns only the text between `BEGIN` and `END`; everything around it is hand-written
context and is kept as it is. A file without the markers gets them appended.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table as RichTable

BEGIN = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""

    def markdown(self) -> str:
        escape = [[cell.replace("|", "\\|") for cell in row] for row in self.rows]
        lines = [f"### {self.title}", "", "| " + " | ".join(self.headers) + " |",
                 "|" + "|".join(" --- " for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in escape]
        if self.note:
            lines += ["", self.note]
        return "\n".join(lines) + "\n"

    def print(self, console: Console) -> None:
        table = RichTable(*self.headers, title=self.title)
        for row in self.rows:
            table.add_row(*row)
        console.print(table)
        if self.note:
            console.print(self.note, highlight=False)


def render(header: str, tables: list[Table]) -> str:
    """The generated block: a header paragraph, then every table."""
    return "\n".join([BEGIN, "", header.strip(), "", *(t.markdown() for t in tables), END])


def write(path: Path, block: str) -> None:
    """Replace the generated block in `path` (or append it), keeping everything else."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    begin, end = text.find(BEGIN), text.find(END)
    if begin != -1 and end > begin:
        text = text[:begin] + block + text[end + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text if text.endswith("\n") else text + "\n")
