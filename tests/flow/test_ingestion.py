"""Ingestion: every input ends up as a document or a quarantine record with its reason."""

import pandas as pd
import pytest

from agentinstruct.flow.chunking import chunk_documents, split_text
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import DocumentSchema, QuarantineSchema

GOOD = "Bees dance to tell their sisters where the flowers are. " * 3
FRENCH = "Le naïf garçon mange une crêpe à la crème, très bon. " * 3


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
        "latin1.txt": FRENCH.encode("latin-1"),
        "utf16.md": ("# Bienen\n\n" + GOOD).encode("utf-16"),
        "controls.txt": bytes([1, 2, 3, 4, 5, 6, 7, 8, 14, 15]) * 30,
        "huge.txt": b"a" * 2001,
        "short.txt": b"Too short.",
        "slides.pdf": b"%PDF-1.4",
        "photo.png": b"\x89PNG\r\n",
        "copy.txt": GOOD.encode(),
    }
    documents, quarantined, _ = ingest_documents(_raw(files), params)

    # files are read in path order, so the first of two identical files is the one kept
    assert sorted(documents["source_path"]) == ["copy.txt", "latin1.txt", "notes.md", "utf16.md"]
    encodings = dict(zip(documents["source_path"], documents["encoding"], strict=True))
    assert encodings == {
        "copy.txt": "utf-8",
        "latin1.txt": "cp1252",  # not detection's first guess, cp1250, which reads "crčme"
        "notes.md": "utf-8",
        "utf16.md": "utf-16",
    }
    texts = dict(zip(documents["source_path"], documents["text"], strict=True))
    assert texts["latin1.txt"] == FRENCH.strip() and texts["utf16.md"].startswith("# Bienen")
    assert len(documents) + len(quarantined) == len(files)
    reasons = dict(zip(quarantined["source_path"], quarantined["reason"], strict=True))
    assert reasons["empty.txt"].startswith("empty")
    assert reasons["blank.md"].startswith("empty")
    assert reasons["binary.txt"].startswith("binary")
    assert reasons["controls.txt"].startswith("binary: control characters")
    assert reasons["huge.txt"].startswith("oversized: 2001 bytes")
    assert reasons["short.txt"].startswith("too short")
    assert reasons["slides.pdf"].startswith("unreadable")
    assert reasons["photo.png"].startswith("unsupported file type .png")
    assert reasons["good.txt"] == "duplicate of copy.txt"


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        (
            "Привет, как дела? " * 6,
            "koi8-r",
        ),
        (
            "これは日本語の文章です。" * 6,
            "shift_jis",
        ),
        (
            "Příliš žluťoučký kůň úpěl. " * 4,
            "cp1250",
        ),
        (GOOD, "utf-32"),
    ],
)
def test_other_encodings_are_detected(text: str, codec: str, params: FlowParams) -> None:
    documents, quarantined, _ = ingest_documents(_raw({"a.txt": text.encode(codec)}), params)
    assert quarantined.empty
    assert documents.loc[0, "text"] == text.strip()


def test_a_named_encoding_is_used_and_a_wrong_one_says_so(params: FlowParams) -> None:
    russian = "Это текст на русском. " * 4
    data = {"ru.txt": russian.encode("cp1251")}
    named = params.model_copy(
        update={"ingestion": params.ingestion.model_copy(update={"encoding": "cp1251"})}
    )
    documents, _, _ = ingest_documents(_raw(data), named)
    assert documents.loc[0, "text"] == russian.strip()
    assert documents.loc[0, "encoding"] == "cp1251"
    wrong = params.model_copy(
        update={"ingestion": params.ingestion.model_copy(update={"encoding": "ascii"})}
    )
    documents, quarantined, _ = ingest_documents(_raw(data), wrong)
    assert documents.empty and quarantined.loc[0, "reason"].startswith("not ascii")


def test_unreadable_file_is_quarantined(params: FlowParams) -> None:
    def broken() -> bytes:
        raise PermissionError("permission denied")

    documents, quarantined, _ = ingest_documents({"a.txt": broken}, params)
    assert documents.empty
    assert quarantined.loc[0, "reason"] == "unreadable: permission denied"


def test_ids_are_content_hashes(params: FlowParams) -> None:
    first, _, _ = ingest_documents(_raw({"a.txt": GOOD.encode()}), params)
    renamed, _, _ = ingest_documents(_raw({"b/other.txt": GOOD.encode()}), params)
    changed, _, _ = ingest_documents(_raw({"a.txt": (GOOD + "More.").encode()}), params)
    assert first.loc[0, "doc_id"] == renamed.loc[0, "doc_id"] != changed.loc[0, "doc_id"]


def test_long_documents_are_chunked_within_the_limit() -> None:
    paragraph = " ".join(f"Sentence number {i} is here." for i in range(40))
    text = "\n\n".join([paragraph, "A short paragraph.", "x" * 450])
    chunks = list(split_text(text, 300))
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
            "source_format": ["text"],
            "title": [None],
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


def test_no_raw_files_make_empty_frames_of_both_schemas(params: FlowParams) -> None:
    documents, quarantined, _ = ingest_documents({}, params)
    assert documents.empty and quarantined.empty
    assert list(DocumentSchema.validate(documents).columns) == list(documents.columns)
    assert list(QuarantineSchema.validate(quarantined).columns) == list(quarantined.columns)
