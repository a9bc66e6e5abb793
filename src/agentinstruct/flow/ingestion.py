"""Raw files in, text documents out; anything unusable is quarantined with a reason.

A file is one document, except a table (JSONL, CSV, Parquet, Arrow), whose rows are documents
named `<file>#<record id>`. A symbolic link of the raw folder is read only when it leads to a
file inside the folder and `follow_symlinks` is on; a file known to be oversized is not read.
"""

import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import PurePosixPath

import pandas as pd

from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams, IngestionParams
from agentinstruct.readers import formats
from agentinstruct.readers.extracted import Extracted
from agentinstruct.readers.options import ReadOptions
from agentinstruct.readers.raw_files import RawFile, Symlink, UnlistedFolder
from agentinstruct.readers.tables import SAVED_DATASET_SIDECARS, TABLE_READERS, read_rows
from agentinstruct.schemas.frames import (
    DocumentSchema,
    InputFileSchema,
    QuarantineSchema,
    frame_of,
)

logger = logging.getLogger(__name__)


def _oversized(size: int, params: IngestionParams) -> str | None:
    if size > params.max_document_bytes:
        return f"oversized: {size} bytes > max_document_bytes={params.max_document_bytes}"
    return None


def _read_options(params: IngestionParams) -> ReadOptions:
    return ReadOptions(
        params.encoding,
        params.max_unpacked_bytes,
        params.max_archive_entries,
        params.html_fallback_below,
    )


def _extract(
    source_path: str, data: bytes, params: IngestionParams, readers: dict[str, str]
) -> list[tuple[str, Extracted]]:
    """(source path, extraction) of every document in a file: the file, or each table row."""
    oversized = _oversized(len(data), params)
    if oversized:
        return [(source_path, Extracted(None, oversized))]
    suffix = PurePosixPath(source_path).suffix.lower()
    reader = readers[suffix]
    if reader not in TABLE_READERS:
        return [(source_path, formats.read(suffix, data, readers, _read_options(params)))]
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


def _refusal(
    source_path: str,
    load: Callable[[], bytes],
    all_paths: list[str],
    params: IngestionParams,
    readers: dict[str, str],
) -> str | None:
    """Why a raw file is set aside before it is read, or None."""
    refusal = None
    if isinstance(load, Symlink | UnlistedFolder):
        refusal = load.refusal(params.follow_symlinks)
    if refusal:
        return refusal
    if PurePosixPath(source_path).suffix.lower() not in readers:
        return _not_read(source_path, all_paths, readers)
    return _oversized(load.size, params) if isinstance(load, RawFile) else None


def ingest_documents(
    raw_documents: dict[str, Callable[[], bytes]], params: FlowParams
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read every raw file; each document (a file, or a table's row) ends up in exactly one of
    the first two outputs. Files are loaded one at a time, so memory follows the largest file.

    Returns:
        documents (`DocumentSchema`), quarantined inputs (`QuarantineSchema`) and every file
        read (`InputFileSchema`), which the run report accounts for.
    """
    settings = params.ingestion
    readers = settings.reader_of()
    documents, quarantined, seen = [], [], {}
    paths = sorted(raw_documents)
    for file_path in paths:
        load = raw_documents[file_path]
        size = load.size if isinstance(load, RawFile) else 0
        try:
            refusal = _refusal(file_path, load, paths, settings, readers)
            if refusal:
                extracted = [(file_path, Extracted(None, refusal))]
            else:
                data = load()
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
            if len(read.text) > settings.warn_document_chars:
                logger.warning(
                    "%s: %s characters, more than ingestion.warn_document_chars=%s; it is read,"
                    " and may make most of the run's plan",
                    source_path,
                    f"{len(read.text):,}",
                    f"{settings.warn_document_chars:,}",
                )
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
    return (
        frame_of(DocumentSchema, documents),
        frame_of(QuarantineSchema, quarantined),
        frame_of(InputFileSchema, [{"source_path": path} for path in paths]),
    )
