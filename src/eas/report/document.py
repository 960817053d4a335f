"""A report as plain parts (sections of paragraphs, figures and tables) and its two writers: one
self-contained HTML page (figures embedded as base64 PNG) and Markdown with the PNG files beside it."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

from eas.checkpoint import atomic_write_text


@dataclass(frozen=True)
class Paragraph:
    """Plain text (no markup)."""

    text: str


@dataclass(frozen=True)
class Image:
    """A PNG figure; `name` becomes its file name in the Markdown report."""

    name: str
    png: bytes
    caption: str


@dataclass(frozen=True)
class Table:
    """A table of plain-text cells."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Part = Paragraph | Image | Table


@dataclass
class Section:
    """A titled part of the report; `level` 2 for sections, 3 for a run's sub-sections."""

    title: str
    parts: list[Part] = field(default_factory=list)
    level: int = 2


@dataclass
class Document:
    """The whole report."""

    title: str
    sections: list[Section] = field(default_factory=list)

    def images(self) -> list[Image]:
        """Every figure, in order."""
        return [part for section in self.sections for part in section.parts if isinstance(part, Image)]


_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:1400px;margin:2em auto;padding:0 1em;color:#222}"
    "img{max-width:100%;border:1px solid #eee}figure{margin:1em 0}figcaption{color:#555;font-size:90%}"
    "table{border-collapse:collapse;font-size:90%;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
    "text-align:left}th{background:#f4f4f4}code{font-size:95%}"
)


def to_html(document: Document) -> str:
    """The report as one HTML page that needs no other file."""
    lines = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(document.title)}</title>",
        # An empty icon: without it a browser asks for /favicon.ico and logs a failed request.
        '<link rel="icon" href="data:,">',
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{html.escape(document.title)}</h1>",
    ]
    for section in document.sections:
        lines.append(f"<h{section.level}>{html.escape(section.title)}</h{section.level}>")
        for part in section.parts:
            lines.append(_html_part(part))
    lines.append("</body></html>")
    return "\n".join(lines) + "\n"


def _html_part(part: Part) -> str:
    if isinstance(part, Paragraph):
        return f"<p>{html.escape(part.text)}</p>"
    if isinstance(part, Image):
        data = base64.b64encode(part.png).decode("ascii")
        alt = html.escape(part.caption, quote=True)
        return (
            f'<figure><img src="data:image/png;base64,{data}" alt="{alt}">'
            f"<figcaption>{html.escape(part.caption)}</figcaption></figure>"
        )
    header = "".join(f"<th>{html.escape(cell)}</th>" for cell in part.headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in part.rows)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def to_markdown(document: Document) -> str:
    """The report as Markdown; figures are linked as `<name>.png` beside it."""
    lines = [f"# {document.title}", ""]
    for section in document.sections:
        lines += ["#" * section.level + " " + section.title, ""]
        for part in section.parts:
            lines += [_markdown_part(part), ""]
    return "\n".join(lines)


def _markdown_part(part: Part) -> str:
    if isinstance(part, Paragraph):
        return part.text
    if isinstance(part, Image):
        return f"![{_cell(part.caption)}]({part.name}.png)\n\n*{part.caption}*"
    rows = [part.headers, tuple("---" for _ in part.headers), *part.rows]
    return "\n".join("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)


def _cell(text: str) -> str:
    # A pipe would end the cell, a bracket the image's alt text, a newline the row.
    return re.sub(r"\s*\n\s*", " ", text).replace("|", "\\|").replace("[", "(").replace("]", ")")


def write_document(document: Document, out: str | Path) -> tuple[Path, Path]:
    """Write `report.html` and `report.md` (with its PNG files) into `out`; returns both paths."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    names = [image.name for image in document.images()]
    if len(set(names)) != len(names):
        raise ValueError(f"figure names must be unique (they become file names), got {names}")
    for image in document.images():
        (folder / f"{image.name}.png").write_bytes(image.png)
    html_path, markdown_path = folder / "report.html", folder / "report.md"
    atomic_write_text(html_path, to_html(document))
    atomic_write_text(markdown_path, to_markdown(document))
    return html_path, markdown_path
