"""Real files of every format ingestion reads, made on the spot (no binary fixtures): for the
tests, the ingestion benchmark, and a user who wants to see a mixed corpus run.

    python -m agentinstruct.devtools.made_files data/01_raw/reading_comprehension/mixed
"""

import argparse
import io
import json
from pathlib import Path

import pandas as pd


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def pdf(pages: list[list[str]]) -> bytes:
    """A PDF with one text line per string (Helvetica, top to bottom); a page given as [] has no
    text layer at all, like a scanned page."""
    objects: list[bytes] = []
    kids = []
    font_id = 3
    for lines in pages:
        stream = (
            "BT /F1 11 Tf 14 TL 72 760 Td "
            + " ".join(f"({_escape(line)}) Tj T*" for line in lines)
            + " ET"
            if lines
            else "0 0 1 rg 72 72 400 600 re f"
        )  # a filled box: no text
        content_id = 4 + len(objects)
        objects.append(
            f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream".encode(
                "latin-1"
            )
        )
        page_id = 4 + len(objects)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_id} 0 R"
            f" /Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        kids.append(f"{page_id} 0 R")
    head = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate([*head, *objects], start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def docx(blocks: list[tuple[str, str]]) -> bytes:
    """A Word file from (style, text) blocks: style "h1"/"h2" for headings, "p" for paragraphs."""
    from docx import Document

    document = Document()
    for style, text in blocks:
        if style.startswith("h"):
            document.add_heading(text, level=int(style[1:]))
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def section(number: int) -> str:
    rows = "\n".join(
        f"| hive {number}-{row} | {row * 7 % 50} kg | {row % 4 + 1} |" for row in range(6)
    )
    return f"""## Chapter {number}: hives of the valley

The keeper of hive {number} counts the frames each spring. Bees that winter well build comb fast,
and a strong colony fills {number % 9 + 2} supers before midsummer. Weak colonies are joined to
strong ones in autumn, so that every hive that goes into winter can keep itself warm.

```python
def honey_per_frame(frames: int) -> float:
    return {number % 5 + 1}.5 * frames  # chapter {number}
```

| hive | honey | supers |
|---|---|---|
{rows}

Swarms leave in late spring when the old queen takes half the workers to a new home; a keeper
who sees queen cells on the frames splits the colony first.
"""


def write_book(path: Path, megabytes: float) -> Path:
    """A Markdown file of about `megabytes` MB, written section by section."""
    with path.open("w", encoding="utf-8") as book:
        book.write("# The beekeeper's year\n\n")
        number, size = 0, 0
        while size < megabytes * 1_000_000:
            text = section(number)
            book.write(text + "\n")
            size += len(text) + 1
            number += 1
    return path


BODY = "Bees dance to tell their sisters where the flowers are, and how far away they grow."
HTML = f"""<html><head><title>Honeybee dances</title></head><body>
<header><nav><a href="/">Home</a> | <a href="/about">About us</a> | <a href="/shop">Shop</a></nav>
</header><main><article><h1>How honeybees dance</h1><p>{BODY} The angle of the waggle run
tells the direction of the food from the sun, and its length tells the distance.</p>
<h2>Round dances</h2><p>For food close to the hive the bee runs in small circles instead.
Other workers follow the dance and fly out to find the flowers.</p></article></main>
<footer>Copyright 2026 Bee Facts Inc. All rights reserved. Privacy policy.</footer>
</body></html>"""
FRENCH = (
    "Les abeilles dansent pour montrer où sont les fleurs. La danse en huit dit la direction et"
    " la distance, et les ouvrières la suivent jusqu'à la source. L'été, une ruche forte compte"
    " plus de cinquante mille abeilles."
)
GERMAN = (
    "Die Bienenkönigin legt im Frühjahr bis zu zweitausend Eier am Tag. Arbeiterinnen füttern"
    " die Larven, bauen Waben aus Wachs und verteidigen den Stock gegen Wespen und Mäuse."
)
# Rows of the example tables: the column names `ingestion.table` is set to in the README.
ARTICLES = [
    ("bee-1", "Waggle dance", f"{BODY} A forager repeats the dance dozens of times."),
    ("ant-2", "Ant trails", "Ants leave scent trails that others follow to food and back home."),
    ("oak-3", "Oak woods", "An oak can live for a thousand years and feed hundreds of species."),
    ("owl-4", "Barn owls", "A barn owl hunts by sound alone and can catch a mouse under snow."),
]
TABLE_COLUMNS = {"text_column": "body", "id_column": "id", "title_column": "title"}


def _pages(topic: str, count: int) -> list[list[str]]:
    return [
        [
            "Field Notes - internal",
            f"{topic}, part {number}: {BODY}",
            "A colony sends out scouts before the swarm leaves, and they vote with dances.",
            f"Page {number} of {count}",
        ]
        for number in range(1, count + 1)
    ]


def mixed_corpus(folder: Path, book_megabytes: float = 20) -> dict[str, str]:
    """Write one file of each kind ingestion reads (and two it must quarantine) into `folder`;
    returns what became of each: the reader, or why it is set aside."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.pdf").write_bytes(pdf(_pages("Swarming", 4)))
    (folder / "scan.pdf").write_bytes(pdf([[], []]))
    (folder / "bees.html").write_text(HTML, encoding="utf-8")
    (folder / "hive.docx").write_bytes(
        docx([("h1", "The hive"), ("p", BODY), ("h2", "Winter"), ("p", GERMAN)])
    )
    (folder / "latin1.txt").write_bytes(FRENCH.encode("latin-1"))
    (folder / "utf16.txt").write_bytes(GERMAN.encode("utf-16"))
    write_book(folder / "book.md", book_megabytes)
    table = pd.DataFrame(ARTICLES, columns=["id", "title", "body"])
    table.iloc[:2].to_json(folder / "articles.jsonl", orient="records", lines=True)
    table.iloc[2:].to_parquet(folder / "articles.parquet")
    saved = {"(saved dataset) *.arrow": "arrow"}
    try:
        import datasets

        more = table.assign(id=table["id"] + "-hf", body=table["body"] + " (From the hub.)")
        datasets.Dataset.from_pandas(more).save_to_disk(str(folder / "saved_dataset"))
    except ImportError:  # `datasets` comes with the dev dependencies
        saved = {}
    return {
        "notes.pdf": "pdf",
        "scan.pdf": "quarantined: no text layer",
        "bees.html": "html",
        "hive.docx": "docx",
        "latin1.txt": "text (cp1252)",
        "utf16.txt": "text (utf-16)",
        "book.md": "text",
        "articles.jsonl": "jsonl",
        "articles.parquet": "parquet",
        **saved,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--book-mb", type=float, default=20, help="size of the Markdown book")
    arguments = parser.parse_args()
    made = mixed_corpus(arguments.folder, arguments.book_mb)
    print(json.dumps(made, indent=2))
    print(f"Tables use columns {TABLE_COLUMNS}: set them as ingestion.table in the parameters.")


if __name__ == "__main__":
    main()
