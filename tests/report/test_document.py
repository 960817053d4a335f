"""The two writers: self-contained HTML with embedded PNGs, Markdown with PNG files beside it."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest

from eas.report.document import Document, Image, Paragraph, Section, Table, to_html, to_markdown, write_document

PNG = b"\x89PNG\r\n\x1a\nfake-but-distinct"


def _document() -> Document:
    parts = [Paragraph("a < b & c"), Image("chart", PNG, "accuracy | time"), Table(("x", "y"), (("1", "a|b"),))]
    return Document("report <title>", [Section("Section", list(parts)), Section("Sub", [], level=3)])


def test_html_embeds_every_image_as_a_data_uri_and_escapes_text() -> None:
    page = to_html(_document())
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert sources == ["data:image/png;base64," + base64.b64encode(PNG).decode()]
    assert "a &lt; b &amp; c" in page and "<title>report &lt;title&gt;</title>" in page
    assert "<h3>Sub</h3>" in page and "<td>a|b</td>" in page


def test_markdown_links_image_files_and_escapes_table_pipes() -> None:
    text = to_markdown(_document())
    assert "![accuracy \\| time](chart.png)" in text
    assert "| 1 | a\\|b |" in text and "### Sub" in text


def test_write_document_writes_both_reports_and_the_png_files(tmp_path: Path) -> None:
    html_path, markdown_path = write_document(_document(), tmp_path / "out")
    assert html_path.read_text() == to_html(_document())
    assert markdown_path.read_text() == to_markdown(_document())
    assert (tmp_path / "out" / "chart.png").read_bytes() == PNG


def test_figure_names_must_be_unique(tmp_path: Path) -> None:
    document = Document("t", [Section("s", [Image("same", PNG, "a"), Image("same", PNG, "b")])])
    with pytest.raises(ValueError, match="unique"):
        write_document(document, tmp_path)
