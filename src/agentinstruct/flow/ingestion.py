"""Raw files in, text documents and chunks out; anything unusable is quarantined with a reason."""

import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath

import pandas as pd

from agentinstruct.ids import stable_id
from agentinstruct.params import ChunkingParams, FlowParams, IngestionParams
from agentinstruct.readers import formats
from agentinstruct.readers.formats import Extracted
from agentinstruct.schemas.frames import ChunkSchema, DocumentSchema, QuarantineSchema, frame_of

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _read_document(
    suffix: str, data: bytes, params: IngestionParams, readers: dict[str, str]
) -> Extracted:
    """The document's text and metadata, or why it has none."""
    if len(data) > params.max_document_bytes:
        return Extracted(
            None,
            reason=f"oversized: {len(data)} bytes > max_document_bytes={params.max_document_bytes}",
        )
    read = formats.read(suffix, data, readers, params.encoding)
    if read.text is None:
        return read
    text = read.text.replace("\r\n", "\n").strip()
    if not text:
        return replace(read, text=None, reason="empty: no text")
    if len(text) < params.min_document_chars:
        reason = f"too short: {len(text)} chars < min_document_chars={params.min_document_chars}"
        return replace(read, text=None, reason=reason)
    return replace(read, text=text)


def ingest_documents(
    raw_documents: dict[str, Callable[[], bytes]], params: FlowParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decode every raw file; each one ends up in exactly one of the two outputs.

    Returns:
        documents (`DocumentSchema`) and quarantined inputs (`QuarantineSchema`).
    """
    settings = params.ingestion
    allowed = settings.reader_of()
    documents, quarantined, seen = [], [], {}
    for source_path in sorted(raw_documents):
        suffix = PurePosixPath(source_path).suffix.lower()
        size, doc_id = 0, None
        try:
            data = raw_documents[source_path]()
            size = len(data)
            unsupported = f"unsupported file type {suffix or '(none)'}; allowed: {sorted(allowed)}"
            read = (
                _read_document(suffix, data, settings, allowed)
                if suffix in allowed
                else Extracted(None, reason=unsupported)
            )
        except OSError as error:
            read = Extracted(None, reason=f"unreadable: {error}")
        text, reason = read.text, read.reason
        if text is not None:
            doc_id = stable_id(text)
            if doc_id in seen:
                text, reason = None, f"duplicate of {seen[doc_id]}"
        if text is None:
            quarantined.append(
                {"source_path": source_path, "doc_id": doc_id, "size_bytes": size, "reason": reason}
            )
            continue
        seen[doc_id] = source_path
        documents.append(
            {
                "doc_id": doc_id,
                "source_path": source_path,
                "source_format": read.source_format,
                "encoding": read.encoding,
                "title": read.title,
                "pages": read.pages,
                "n_chars": len(text),
                "text": text,
            }
        )
    return frame_of(DocumentSchema, documents), frame_of(QuarantineSchema, quarantined)


def _split_long(piece: str, limit: int) -> list[str]:
    """Split a paragraph at sentence ends, and a run-on sentence at word boundaries."""
    if len(piece) <= limit:
        return [piece]
    sentences = _SENTENCE_END.split(piece)
    if len(sentences) == 1:
        cut = piece.rfind(" ", 0, limit)
        cut = cut if cut > 0 else limit
        return [piece[:cut].strip(), *_split_long(piece[cut:].strip(), limit)]
    return [part for sentence in sentences for part in _split_long(sentence, limit)]


def split_text(text: str, chunk_chars: int) -> list[str]:
    """Greedy packing of paragraphs (then sentences) into chunks of at most `chunk_chars`."""
    pieces = [
        part
        for paragraph in re.split(r"\n\s*\n", text)
        if paragraph.strip()
        for part in _split_long(paragraph.strip(), chunk_chars)
    ]
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1]) + 2 + len(piece) <= chunk_chars:
            chunks[-1] = f"{chunks[-1]}\n\n{piece}"
        else:
            chunks.append(piece)
    return chunks


def chunk_documents(documents: pd.DataFrame, params: FlowParams) -> pd.DataFrame:
    """Chunks of each document, with ids that depend only on content.

    Returns:
        `ChunkSchema` frame.
    """
    settings: ChunkingParams = params.chunking
    rows = [
        {
            "chunk_id": stable_id(doc.doc_id, index, text),
            "doc_id": doc.doc_id,
            "source_path": doc.source_path,
            "source_format": doc.source_format,
            "title": doc.title,
            "chunk_index": index,
            "text": text,
        }
        for doc in documents.itertuples(index=False)
        for index, text in enumerate(split_text(doc.text, settings.chunk_chars))
    ]
    return frame_of(ChunkSchema, rows)
