"""Chunks keep the structure of what they cut: headings, code blocks and tables stay whole."""

from pathlib import Path

from agentinstruct.devtools.made_files import section, write_book
from agentinstruct.flow.chunking import blocks, split_text

LIMIT = 1000


def test_blocks_are_found_by_kind() -> None:
    kinds = [block.kind for block in blocks(section(3))]
    assert kinds == ["heading", "paragraph", "code", "table", "paragraph"]


def test_code_blocks_and_tables_are_not_cut_and_headings_open_chunks() -> None:
    text = "# Book\n\n" + "\n".join(section(number) for number in range(12))
    chunks = list(split_text(text, LIMIT))
    assert all(len(chunk) <= LIMIT for chunk in chunks)
    for chunk in chunks:
        assert chunk.count("```") % 2 == 0, "a code block cut in two"
        lines = chunk.splitlines()
        assert not lines[-1].startswith("#"), "a heading left at the end of a chunk"
        for number, line in enumerate(lines):  # a table piece starts with its header
            if line.startswith("| hive 1") and (
                number == 0 or not lines[number - 1].startswith("|")
            ):
                raise AssertionError("a table row without its header")
    starts = sum(chunk.startswith("## Chapter") for chunk in chunks)
    assert starts >= 10  # sections start chunks
    words = lambda s: s.split()  # noqa: E731
    assert words("\n".join(chunks)) == words(text)


def test_blocks_longer_than_a_chunk_are_split_where_their_kind_allows() -> None:
    code = "```sh\n" + "\n".join(f"echo line {n}" for n in range(200)) + "\n```"
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| {n} | {n * n} |" for n in range(200))
    chunks = list(split_text(f"{code}\n\n{table}", 300))
    assert all(len(chunk) <= 300 for chunk in chunks)
    code_chunks = [chunk for chunk in chunks if chunk.startswith("```sh")]
    assert len(code_chunks) > 5 and all(chunk.endswith("```") for chunk in code_chunks)
    table_chunks = [chunk for chunk in chunks if chunk.startswith("| a | b |\n|---|---|")]
    assert len(table_chunks) > 5
    assert len(code_chunks) + len(table_chunks) == len(chunks)


def test_a_20_mb_markdown_book_is_chunked_whole(tmp_path: Path) -> None:
    text = write_book(tmp_path / "book.md", 20).read_text(encoding="utf-8")
    assert len(text) >= 20_000_000
    count = characters = 0
    for chunk in split_text(text, LIMIT):
        assert len(chunk) <= LIMIT
        count += 1
        characters += len(chunk)
    assert count > 20_000
    assert characters >= len(text) * 0.95  # only the blank lines between blocks are left out


def test_a_heading_is_not_left_alone_before_a_long_block() -> None:
    code = "```sh\n" + "\n".join(f"echo line {n}" for n in range(200)) + "\n```"
    chunks = list(split_text(f"# Setup\n\n{code}", 300))
    assert chunks[0].startswith("# Setup\n\n```sh\necho line 0")
    assert all(len(chunk) <= 300 for chunk in chunks)
    assert not any(chunk.startswith("#") and "\n" not in chunk for chunk in chunks)
