"""Raw files in, text documents out; anything unusable is quarantined with a reason.

A file is one document, except a table (JSONL, CSV, Parquet, Arrow), whose rows are documents
named `<file>#<record id>`.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath

import pandas as pd

from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams, IngestionParams
from agentinstruct.readers import formats
from agentinstruct.readers.extracted import Extracted
from agentinstruct.readers.tables import SAVED_DATASET_SIDECARS, TABLE_READERS, read_rows
from agentinstruct.schemas.frames import DocumentSchema, QuarantineSchema, frame_of


def _extract(
    source_path: str, data: bytes, params: IngestionParams, readers: dict[str, str]
) -> list[tuple[str, Extracted]]:
    """(source path, extraction) of every document in a file: the file, or each table row."""
    if len(data) > params.max_document_bytes:
        reason = f"oversized: {len(data)} bytes > max_document_bytes={params.max_document_bytes}"
        return [(source_path, Extracted(None, reason))]
    suffix = PurePosixPath(source_path).suffix.lower()
    reader = readers[suffix]
    if reader not in TABLE_READERS:
        return [(source_path, formats.read(suffix, data, readers, params.encoding))]
    try:
        rows = read_rows(reader, data, params.table.columns(), params.encoding)
    except Exception as error:  # a malformed table is one quarantine record, not a crash
        return [(source_path, Extracted(None, f"unreadable {reader} table: {error}", reader))]
    if not rows:
        return [(source_path, Extracted(None, "empty: a table without rows", reader))]
    return [(f"{source_path}#{record_id}", extracted) for record_id, extracted in rows]


def _checked(read: Extracted, params: IngestionParams) -> Extracted:
    """The text with normalised line ends, or why it is too little to use."""
    if read.text is None:
        return read
    text = read.text.replace("\r\n", "\n").strip()
    if not text:
        return replace(read, text=None, reason="empty: no text")
    if len(text) < params.min_document_chars:
        reason = f"too short: {len(text)} chars < min_document_chars={params.min_document_chars}"
        return replace(read, text=None, reason=reason)
    return replace(read, text=text)


def _not_read(source_path: str, all_paths: list[str], readers: dict[str, str]) -> str:
    """Why a file of a type that is not read is set aside."""
    path = PurePosixPath(source_path)
    folder = "" if str(path.parent) == "." else f"{path.parent}/"
    if path.name in SAVED_DATASET_SIDECARS and any(
        other.startswith(folder) and other.endswith(".arrow") for other in all_paths
    ):
        return "metadata of a saved dataset: its rows are read from the .arrow files beside it"
    return f"unsupported file type {path.suffix.lower() or '(none)'}; allowed: {sorted(readers)}"


def ingest_documents(
    raw_documents: dict[str, Callable[[], bytes]], params: FlowParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read every raw file; each document (a file, or a table's row) ends up in exactly one of
    the two outputs. Files are loaded one at a time, so memory follows the largest file.

    Returns:
        documents (`DocumentSchema`) and quarantined inputs (`QuarantineSchema`).
    """
    settings = params.ingestion
    readers = settings.reader_of()
    documents, quarantined, seen = [], [], {}
    paths = sorted(raw_documents)
    for file_path in paths:
        size = 0
        try:
            if PurePosixPath(file_path).suffix.lower() not in readers:
                extracted = [(file_path, Extracted(None, _not_read(file_path, paths, readers)))]
            else:
                data = raw_documents[file_path]()
                size = len(data)
                extracted = _extract(file_path, data, settings, readers)
                del data
        except OSError as error:
            extracted = [(file_path, Extracted(None, f"unreadable: {error}"))]
        for source_path, read in extracted:
            read, doc_id = _checked(read, settings), None
            if read.text is not None:
                doc_id = stable_id(read.text)
                if doc_id in seen:
                    read = replace(read, text=None, reason=f"duplicate of {seen[doc_id]}")
            if read.text is None:
                quarantined.append(
                    {
                        "source_path": source_path,
                        "doc_id": doc_id,
                        "size_bytes": size if source_path == file_path else 0,
                        "reason": read.reason,
                    }
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
                    "metadata": read.metadata,
                    "n_chars": len(read.text),
                    "text": read.text,
                }
            )
    return frame_of(DocumentSchema, documents), frame_of(QuarantineSchema, quarantined)
