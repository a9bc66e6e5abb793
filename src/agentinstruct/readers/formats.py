"""Readers by file type: each turns a file's bytes into Markdown-like text (headings, paragraphs,
lists) plus what is known about the document, or says why it has no text.

Chosen libraries: trafilatura for HTML (readers/html.py); pypdf for PDF (pure Python, the text
layer: 1.15 s for a 36-page manual where pdfplumber takes 3.7 s and finds 4% fewer characters;
running headers and footers are dropped here, as lines that repeat at the top or bottom of
pages); python-docx for Word. Each is imported only when a file of its kind is read.
"""

import io
import re
from collections import Counter
from collections.abc import Callable

from agentinstruct.readers.archives import archive_refusal
from agentinstruct.readers.decoding import decode
from agentinstruct.readers.extracted import Extracted
from agentinstruct.readers.html import read_html
from agentinstruct.readers.options import ReadOptions
from agentinstruct.readers.tables import TABLE_READERS, TABLE_SUFFIXES

PAGE_EDGE_LINES = 1  # lines at the top and bottom of a page that may be a header or footer
# A header or footer line repeats at the edge of at least 3 pages and a fifth of them: a page
# number alone sits on every other page, a chapter's running title on that chapter's pages
# (measured on a 36-page manual: pypdf keeps them all as text).
MIN_REPEATS = 3
REPEATED_ON = 0.2
_DIGITS = re.compile(r"\d+")


def read_text(data: bytes, options: ReadOptions) -> Extracted:
    decoded = decode(data, options.encoding)
    return Extracted(decoded.text, decoded.reason, "text", decoded.encoding)


def _page_edges(pages: list[list[str]]) -> set[str]:
    """Lines (digits masked, so "Page 3" matches "Page 4") at the top or bottom of most pages."""
    if len(pages) < MIN_REPEATS:
        return set()
    counts = Counter(
        _DIGITS.sub("#", line)
        for lines in pages
        if len(lines) > 2 * PAGE_EDGE_LINES  # a page of edges only is all body
        for line in {*lines[:PAGE_EDGE_LINES], *lines[-PAGE_EDGE_LINES:]}
    )
    needed = max(MIN_REPEATS, REPEATED_ON * len(pages))
    return {line for line, count in counts.items() if count >= needed}


def _is_edge(index: int, count: int) -> bool:
    """Whether line `index` of a page of `count` lines is at its top or bottom."""
    return index < PAGE_EDGE_LINES or index >= count - PAGE_EDGE_LINES


def _without_edges(lines: list[str], edges: set[str]) -> list[str]:
    """A page's lines less its running header and footer: a repeated line at the page's top or
    bottom; the same words in the body (a section that quotes its chapter's title) stay. A page
    of edges only is all body, as `_page_edges` counts it."""
    if len(lines) <= 2 * PAGE_EDGE_LINES:
        return lines
    return [
        line
        for index, line in enumerate(lines)
        if not (_is_edge(index, len(lines)) and _DIGITS.sub("#", line) in edges)
    ]


def read_pdf(data: bytes, options: ReadOptions) -> Extracted:
    """The text layer, page after page, without running headers and footers. An encrypted PDF
    whose user password is empty (every viewer opens it) is read; one that needs a password is
    quarantined."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return Extracted(None, "encrypted PDF: needs a password", "pdf")
        pages = [
            [line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
            for page in reader.pages
        ]
        title = (reader.metadata or {}).get("/Title")
    except DependencyError as error:  # AES needs the `cryptography` package
        return Extracted(None, f"encrypted PDF: {error}", "pdf")
    except (PdfReadError, ValueError, KeyError) as error:
        return Extracted(None, f"unreadable PDF: {error}", "pdf")
    if not any(pages):
        reason = f"no text layer in {len(pages)} page(s): a scanned PDF? (OCR it first)"
        return Extracted(None, reason, "pdf", pages=len(pages))
    edges = _page_edges(pages)
    text = "\n\n".join("\n".join(_without_edges(lines, edges)) for lines in pages)
    return Extracted(text, None, "pdf", None, str(title) if title else None, len(pages))


def read_docx(data: bytes, options: ReadOptions) -> Extracted:
    """Paragraphs in order, headings as Markdown headings, list items as bullets, tables as rows.
    A zip bomb is refused before python-docx unpacks it."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    refusal = archive_refusal(data, options)
    if refusal:
        return Extracted(None, refusal, "docx")
    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError) as error:
        return Extracted(None, f"unreadable DOCX: {error}", "docx")
    # Style names by id, looked up once: `paragraph.style` scans every style of the file for
    # each paragraph (4 s for 2,000 paragraphs).
    names = {style.style_id: style.name or "" for style in document.styles}
    blocks = []
    for paragraph in document.paragraphs:
        text, style = paragraph.text.strip(), names.get(paragraph._p.style or "", "")
        if not text:
            continue
        if style == "Title":
            blocks.append(f"# {text}")
        elif style.startswith("Heading") and style[-1:].isdigit():
            blocks.append(f"{'#' * int(style[-1])} {text}")
        elif style.startswith("List"):
            blocks.append(f"- {text}")
        else:
            blocks.append(text)
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        blocks.append("\n".join(rows))
    title = document.core_properties.title or None
    return Extracted("\n\n".join(blocks), None, "docx", None, title)


READERS: dict[str, Callable[[bytes, ReadOptions], Extracted]] = {
    "text": read_text,
    "html": read_html,
    "pdf": read_pdf,
    "docx": read_docx,
}
# The file types read by default; a skill adds its own with `ingestion.readers`.
SUFFIXES = {
    ".txt": "text",
    ".md": "text",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    **TABLE_SUFFIXES,
}
# Every reader a file type can name: one document per file, or one per row of a table.
READER_NAMES = {*READERS, *TABLE_READERS}


def read(suffix: str, data: bytes, readers: dict[str, str], options: ReadOptions) -> Extracted:
    """The file read by the reader its suffix names (`readers` maps suffixes to reader names)."""
    name = readers[suffix]
    try:
        return READERS[name](data, options)
    except Exception as error:  # a malformed file must become a quarantine record, not a crash
        return Extracted(None, f"unreadable: {type(error).__name__}: {error}", name)
