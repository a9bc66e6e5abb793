"""What a reader is told besides a file's bytes (set per skill in `ingestion`: IngestionParams)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ReadOptions:
    """The encoding to read text in, and the bounds a hostile file must stay within."""

    encoding: str | None
    max_unpacked_bytes: int  # a zip (DOCX) unpacking to more is a zip bomb
    max_archive_entries: int
    html_fallback_below: float  # HTML: the share of visible text trafilatura must keep
