"""Readers by file type, on real files the tests make: the text that reaches the chunks, what is
dropped (navigation, running headers and footers), what is quarantined and why."""

import pytest

from agentinstruct.devtools import made_files
from agentinstruct.flow.chunking import chunk_documents
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams, IngestionParams

BODY, HTML = made_files.BODY, made_files.HTML


def _ingest(files: dict[str, bytes], **ingestion: object):
    params = FlowParams.model_validate({"ingestion": ingestion})
    raw = {path: (lambda data=data: data) for path, data in files.items()}
    documents, quarantined = ingest_documents(raw, params)
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
