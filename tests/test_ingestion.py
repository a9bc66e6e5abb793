"""Ingestion: every input ends up as a document or a quarantine record with its reason."""

import pandas as pd
import pytest

from agentinstruct.flow.ingestion import chunk_documents, ingest_documents, split_text
from agentinstruct.params import FlowParams

GOOD = "Bees dance to tell their sisters where the flowers are. " * 3


def _raw(files: dict[str, bytes]) -> dict:
    return {path: (lambda data=data: data) for path, data in files.items()}


@pytest.fixture
def params() -> FlowParams:
    return FlowParams.model_validate({"ingestion": {"max_document_bytes": 2000}})


def test_bad_inputs_are_quarantined_with_reasons(params: FlowParams) -> None:
    files = {
        "good.txt": GOOD.encode(),
        "notes.md": ("# Notes\n\n" + GOOD).encode(),
        "empty.txt": b"",
        "blank.md": b"   \n\n  ",
        "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00",
        "latin1.txt": "Caf\xe9 cr\xe8me, tr\xe8s bon. ".encode("latin-1") * 3,
        "huge.txt": b"a" * 2001,
        "short.txt": b"Too short.",
        "slides.pdf": b"%PDF-1.4",
        "copy.txt": GOOD.encode(),
    }
    documents, quarantined = ingest_documents(_raw(files), params)

    # files are read in path order, so the first of two identical files is the one kept
    assert sorted(documents["source_path"]) == ["copy.txt", "notes.md"]
    assert len(documents) + len(quarantined) == len(files)
    reasons = dict(zip(quarantined["source_path"], quarantined["reason"], strict=True))
    assert reasons["empty.txt"].startswith("empty")
    assert reasons["blank.md"].startswith("empty")
    assert reasons["binary.txt"].startswith("binary")
    assert reasons["latin1.txt"].startswith("not UTF-8")
    assert reasons["huge.txt"].startswith("oversized: 2001 bytes")
    assert reasons["short.txt"].startswith("too short")
    assert reasons["slides.pdf"].startswith("unsupported file type .pdf")
    assert reasons["good.txt"] == "duplicate of copy.txt"


def test_unreadable_file_is_quarantined(params: FlowParams) -> None:
    def broken() -> bytes:
        raise PermissionError("permission denied")

    documents, quarantined = ingest_documents({"a.txt": broken}, params)
    assert documents.empty
    assert quarantined.loc[0, "reason"] == "unreadable: permission denied"


def test_ids_are_content_hashes(params: FlowParams) -> None:
    first, _ = ingest_documents(_raw({"a.txt": GOOD.encode()}), params)
    renamed, _ = ingest_documents(_raw({"b/other.txt": GOOD.encode()}), params)
    changed, _ = ingest_documents(_raw({"a.txt": (GOOD + "More.").encode()}), params)
    assert first.loc[0, "doc_id"] == renamed.loc[0, "doc_id"] != changed.loc[0, "doc_id"]


def test_long_documents_are_chunked_within_the_limit() -> None:
    paragraph = " ".join(f"Sentence number {i} is here." for i in range(40))
    text = "\n\n".join([paragraph, "A short paragraph.", "x" * 450])
    chunks = split_text(text, 300)
    assert all(len(chunk) <= 300 for chunk in chunks)
    assert len(chunks) > 3
    assert "".join(chunks).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_chunk_ids_are_stable_and_unique() -> None:
    params = FlowParams.model_validate({"chunking": {"chunk_chars": 200}})
    documents = pd.DataFrame(
        {
            "doc_id": ["0123456789abcdef"],
            "source_path": ["a.txt"],
            "n_chars": [900],
            "text": [("A sentence about bees. " * 40).strip()],
        }
    )
    chunks = chunk_documents(documents, params)
    again = chunk_documents(documents, params)
    assert len(chunks) > 1
    assert chunks["chunk_id"].is_unique
    assert chunks["chunk_id"].tolist() == again["chunk_id"].tolist()
    assert chunks["chunk_index"].tolist() == list(range(len(chunks)))
