"""Readers by file type, on real files the tests make: the text that reaches the chunks, what is
dropped (navigation, running headers and footers), what is quarantined and why."""

import re
from pathlib import Path

import pytest
from lxml.html import document_fromstring

from agentinstruct.devtools import made_files
from agentinstruct.flow.chunking import chunk_documents
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams, IngestionParams
from agentinstruct.readers.html import content_blocks

BODY, HTML = made_files.BODY, made_files.HTML


def _ingest(files: dict[str, bytes], **ingestion: object):
    params = FlowParams.model_validate({"ingestion": ingestion})
    raw = {path: (lambda data=data: data) for path, data in files.items()}
    documents, quarantined, _ = ingest_documents(raw, params)
    return documents.set_index("source_path"), dict(
        zip(quarantined["source_path"], quarantined["reason"], strict=True)
    )


def test_html_keeps_the_article_with_its_headings_and_drops_navigation_and_footer() -> None:
    documents, _ = _ingest({"bees.html": HTML.encode("utf-8")})
    page = documents.loc["bees.html"]
    assert page["source_format"] == "html" and page["encoding"] == "utf-8"
    assert page["title"] == "How honeybees dance"
    assert page["text"].startswith("# How honeybees dance")
    assert "## Round dances" in page["text"] and BODY in page["text"]
    for boilerplate in ("About us", "Shop", "Copyright", "Privacy policy"):
        assert boilerplate not in page["text"]


def test_pdf_text_layer_without_running_headers_and_footers() -> None:
    pages = [
        [
            "ACME Field Notes - Confidential",
            f"Chapter {number}: {BODY}",
            "The waggle run points the way; its length gives the distance.",
            f"Page {number} of 4",
        ]
        for number in range(1, 5)
    ]
    documents, _ = _ingest({"notes.pdf": made_files.pdf(pages)})
    notes = documents.loc["notes.pdf"]
    assert notes["source_format"] == "pdf" and notes["pages"] == 4
    assert notes["text"].count("The waggle run points the way") == 4
    assert "Chapter 3:" in notes["text"]
    assert "Confidential" not in notes["text"] and "of 4" not in notes["text"]


def test_a_body_line_that_repeats_the_running_header_stays() -> None:
    """Only a page's top and bottom lines can be its header or footer: a section that quotes
    the running title in its body keeps it."""
    header = "ACME Field Notes - Confidential"
    pages = [
        [header, f"Section {number}: {BODY}", header, "The dance is the same indoors.", "Leeds"]
        for number in range(1, 5)
    ]
    documents, _ = _ingest({"notes.pdf": made_files.pdf(pages)})
    text = documents.loc["notes.pdf", "text"]
    assert text.count(header) == 4  # once a page: the body's, not the top line's
    assert not text.startswith(header) and "Leeds" not in text  # the footer went too
    assert text.count("The dance is the same indoors.") == 4


def test_scanned_pdf_without_a_text_layer_is_quarantined_saying_so() -> None:
    documents, reasons = _ingest({"scan.pdf": made_files.pdf([[], []])})
    assert documents.empty
    assert reasons["scan.pdf"].startswith("no text layer in 2 page(s)")


def test_docx_headings_become_markdown_headings() -> None:
    data = made_files.docx(
        [("h1", "Honeybees"), ("p", BODY), ("h2", "The waggle dance"), ("p", BODY.upper())]
    )
    documents, _ = _ingest({"bees.docx": data})
    text = documents.loc["bees.docx", "text"]
    assert text.split("\n\n") == ["# Honeybees", BODY, "## The waggle dance", BODY.upper()]
    assert documents.loc["bees.docx", "source_format"] == "docx"


def test_broken_files_of_every_type_are_quarantined_not_fatal() -> None:
    files = {"a.pdf": b"%PDF-1.4 nothing else", "b.docx": b"PK not a zip", "c.html": b""}
    documents, reasons = _ingest(files)
    assert documents.empty and set(reasons) == set(files)
    assert reasons["a.pdf"].startswith("unreadable")
    assert reasons["b.docx"].startswith("unreadable")
    assert reasons["c.html"].startswith("empty")


def test_a_skill_adds_file_types_and_the_chunks_get_the_text() -> None:
    documents, reasons = _ingest(
        {"notes.markdown": f"# Notes\n\n{BODY}".encode(), "page.xhtml": HTML.encode()},
        readers={".markdown": "text", ".xhtml": "html"},
    )
    assert set(documents.index) == {"notes.markdown", "page.xhtml"} and not reasons
    chunks = chunk_documents(documents.reset_index(), FlowParams())
    assert chunks["text"].str.contains("How honeybees dance").any()
    with pytest.raises(ValueError, match="unknown readers"):
        IngestionParams(readers={".odt": "odt"})


HTML_PAGES = Path(__file__).parents[1] / "data" / "html"
# Page furniture of the two real-world pages: none of it may reach the text.
FURNITURE = {
    "howto_replication.html": [
        "We use cookies", "Accept all cookies", "Engineering blog", "Search the handbook",
        "Backups with pgBackRest", "Major version upgrades", "Home", "Get the Ops Handbook",
        "Unsubscribe at any time", "Was this page helpful", "Edit this page", "Privacy notice",
        "maintained by the platform team",
    ],
    "policy_travel.html": [
        "Skip to main content", "Manage cookie settings", "I agree", "Company news",
        "Canteen menu", "Signed in as", "Purchasing and approvals", "Petty cash",
        "Portal / Policies", "Download as PDF", "Version history", "Legal notice",
        "Printed copies of this policy are uncontrolled",
    ],
}  # fmt: skip
PROSE = "//main//*[self::p or self::li or self::dd][not(ancestor::aside or ancestor::nav)]"


def _words(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _prose_kept(page: bytes, text: str) -> float:
    """The share of the page's prose (its paragraphs, list items and definitions, by characters)
    found whole in `text`, Markdown marks aside."""
    paragraphs = [element.text_content() for element in document_fromstring(page).xpath(PROSE)]
    found = _words(text)
    kept = sum(len(paragraph) for paragraph in paragraphs if _words(paragraph) in found)
    return kept / sum(len(paragraph) for paragraph in paragraphs)


@pytest.mark.parametrize("name", sorted(FURNITURE))
def test_technical_pages_keep_their_prose_and_leave_the_furniture_out(name: str) -> None:
    """The how-to's introduction sits in the article's header and its steps in two bodies split
    by a newsletter box: trafilatura took the first body only (49% of the prose)."""
    page = (HTML_PAGES / name).read_bytes()
    documents, reasons = _ingest({name: page})
    assert not reasons
    text = documents.loc[name, "text"]
    assert _prose_kept(page, text) >= 0.9
    assert [junk for junk in FURNITURE[name] if junk in text] == []


def test_without_the_fallback_trafilatura_drops_the_how_to_s_introduction() -> None:
    page = (HTML_PAGES / "howto_replication.html").read_bytes()
    documents, _ = _ingest({"howto.html": page}, html_fallback_below=0)
    text = documents.loc["howto.html", "text"]
    assert _prose_kept(page, text) < 0.6 and "Streaming replication keeps" not in text


@pytest.mark.parametrize("name", sorted(FURNITURE))
def test_the_fallback_reads_the_content_as_markdown_without_the_furniture(name: str) -> None:
    page = (HTML_PAGES / name).read_bytes()
    text = "\n\n".join(content_blocks(document_fromstring(page)))
    assert _prose_kept(page, text) >= 0.95
    assert [junk for junk in FURNITURE[name] if junk in text] == []
    assert text.startswith("# ") and "\n\n## " in text
    if name.startswith("howto"):
        assert "```\nprimary$ sudo -u postgres psql\npostgres=# CREATE ROLE" in text


def test_deeply_nested_html_is_read_or_quarantined_saying_why() -> None:
    """lxml's parser stops at 256 levels and drops the rest of the page; read with huge_tree it
    goes to 2,048, past which the reason says so (it was "no main text")."""

    def nested(depth: int) -> bytes:
        return (
            f"<html><body>{'<div>' * depth}<p>{BODY}</p>{'</div>' * depth}</body></html>".encode()
        )

    documents, reasons = _ingest({"deep.html": nested(300), "deeper.html": nested(3000)})
    assert documents.loc["deep.html", "text"] == BODY
    assert reasons["deeper.html"].startswith("too deeply nested: more than 2048 levels")


def test_the_html_fallback_keeps_sections_whose_ids_name_their_headings() -> None:
    """Documentation gives sections ids from their headings: `id="tools"` is content."""
    sections = "".join(
        f'<section id="{anchor}"><h2>{title}</h2><p>{title} explained at length: '
        + "the steps, the options and what each one changes for the reader. " * 8
        + "</p></section>"
        for anchor, title in [
            ("install", "Install"),
            ("share-a-file", "Share a file"),
            ("tools", "Tools"),
        ]
    )
    page = f"<html><body><nav>Home Docs</nav><main>{sections}</main></body></html>"
    text = "\n\n".join(content_blocks(document_fromstring(page)))
    assert all(f"## {title}" in text for title in ("Install", "Share a file", "Tools"))
    assert "Home Docs" not in text
