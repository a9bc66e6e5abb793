"""What a reader makes of one document: its text and metadata, or why it has none."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Extracted:
    """A document's text and metadata, or the reason it has none."""

    text: str | None
    reason: str | None = None
    source_format: str = "text"
    encoding: str | None = None
    title: str | None = None
    pages: int | None = None
    metadata: str | None = None  # JSON object, from a table's metadata columns
