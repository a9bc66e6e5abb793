"""Documents into chunks that respect their structure, read line by line.

A chunk is at most `chunk_chars` characters of whole blocks: headings, paragraphs, fenced code
blocks and Markdown tables. A heading opens a chunk rather than close one, and a new section
starts a new chunk once the current one is half full. A block longer than a chunk is split
where its kind allows: code and tables between lines (code re-fenced, a table's header
repeated), paragraphs between sentences, then words.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from agentinstruct.ids import stable_id
from agentinstruct.params import FlowParams
from agentinstruct.schemas.frames import ChunkSchema, frame_of

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_HEADING = re.compile(r"^#{1,6}\s")
_FENCE = re.compile(r"^\s*(```|~~~)")
_TABLE_RULE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")


@dataclass(frozen=True)
class Block:
    kind: str  # heading, paragraph, code, table
    text: str


def _lines(text: str) -> Iterator[str]:
    """Lines without copying the text (a 20 MB book is not split into a list at once)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        yield text[start:end].rstrip("\r")
        start = end + 1


def blocks(text: str) -> Iterator[Block]:
    """The text's blocks in order; blank lines separate paragraphs."""
    lines = _lines(text)
    paragraph: list[str] = []
    pending: str | None = None  # a line read past the end of a table
    while True:
        line = pending if pending is not None else next(lines, None)
        pending = None
        ends_paragraph = line is None or not line.strip() or _HEADING.match(line)
        if paragraph and (ends_paragraph or _FENCE.match(line)):
            yield Block("paragraph", "\n".join(paragraph).strip())
            paragraph = []
        if line is None:
            return
        if _HEADING.match(line):
            yield Block("heading", line.strip())
        elif fence := _FENCE.match(line):
            code = [line]
            for inner in lines:
                code.append(inner)
                if inner.strip().startswith(fence.group(1)):
                    break
            yield Block("code", "\n".join(code))
        elif line.lstrip().startswith("|") and not paragraph:
            table = [line]
            for row in lines:
                if not row.lstrip().startswith("|"):
                    pending = row
                    break
                table.append(row)
            yield Block("table", "\n".join(table))
        elif line.strip():
            paragraph.append(line)


def _split_long(piece: str, limit: int) -> list[str]:
    """Split a paragraph at sentence ends, and a run-on sentence at word boundaries."""
    if len(piece) <= limit:
        return [piece]
    sentences = _SENTENCE_END.split(piece)
    if len(sentences) == 1:
        return _split_at_words(piece, limit)
    return [part for sentence in sentences for part in _split_long(sentence, limit)]


def _split_at_words(piece: str, limit: int) -> list[str]:
    """Pieces of at most `limit` cut at the last space before it (or at it, in a word that
    long), each stripped. Offsets into `piece`, not copies of what is left: a 50 MB line with
    no sentence end is cut in one pass, not copied once per piece."""
    parts, start, end = [], 0, len(piece.rstrip())
    while end - start > limit:
        cut = piece.rfind(" ", start, start + limit)
        cut = cut if cut > start else start + limit
        parts.append(piece[start:cut].strip())
        start = cut
        while start < end and piece[start].isspace():
            start += 1
    parts.append(piece[start:end])
    return parts


def _line_groups(head: list[str], body: list[str], tail: list[str], limit: int) -> list[str]:
    """Body lines packed into pieces of at most `limit`, each framed by `head` and `tail`."""
    frame = sum(len(line) + 1 for line in head + tail)
    room = max(limit - frame, limit // 2)
    pieces, group, size = [], [], 0
    for part in (part for line in body for part in _split_long(line, room)):
        if group and size + len(part) + 1 > room:
            pieces.append("\n".join(head + group + tail))
            group, size = [], 0
        group.append(part)
        size += len(part) + 1
    if group:
        pieces.append("\n".join(head + group + tail))
    return pieces


def _pieces(block: Block, limit: int) -> list[str]:
    """The block whole, or split where its kind allows."""
    if len(block.text) <= limit:
        return [block.text]
    lines = block.text.split("\n")
    if block.kind == "code":
        closed = len(lines) > 1 and _FENCE.match(lines[-1]) is not None
        body = lines[1:-1] if closed else lines[1:]
        return _line_groups(lines[:1], body, [lines[0].strip()[:3]], limit)
    if block.kind == "table":
        header = 2 if len(lines) > 2 and _TABLE_RULE.match(lines[1]) else 1
        return _line_groups(lines[:header], lines[header:], [], limit)
    return _split_long(block.text, limit)


def split_text(text: str, chunk_chars: int) -> Iterator[str]:
    """Greedy packing of whole blocks into chunks of at most `chunk_chars` characters."""
    current: list[Block] = []
    size = 0
    for block in blocks(text):
        starts_section = block.kind == "heading" and current and current[-1].kind != "heading"
        if starts_section and size >= chunk_chars // 2:
            yield "\n\n".join(part.text for part in current)
            current, size = [], 0
        # a block after a heading is cut to fit beside it, so the heading is not left alone
        heading = len(current[-1].text) + 2 if current and current[-1].kind == "heading" else 0
        room = chunk_chars - heading if heading <= chunk_chars // 2 else chunk_chars
        for text_piece in _pieces(block, room):
            piece = Block(block.kind, text_piece)
            if current and size + 2 + len(piece.text) > chunk_chars:
                headings = []  # a heading at the end moves on with what it heads
                while current and current[-1].kind == "heading":
                    headings.insert(0, current.pop())
                if current:
                    yield "\n\n".join(part.text for part in current)
                current = headings
                size = sum(len(part.text) + 2 for part in current) - 2 if current else 0
                if current and size + 2 + len(piece.text) > chunk_chars:
                    yield "\n\n".join(part.text for part in current)
                    current, size = [], 0
            size += (2 if current else 0) + len(piece.text)
            current.append(piece)
    if current:
        yield "\n\n".join(part.text for part in current)


def chunk_documents(documents: pd.DataFrame, params: FlowParams) -> pd.DataFrame:
    """Chunks of each document, with ids that depend only on content.

    Returns:
        `ChunkSchema` frame.
    """
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
        for index, text in enumerate(split_text(doc.text, params.chunking.chunk_chars))
    ]
    return frame_of(ChunkSchema, rows)
