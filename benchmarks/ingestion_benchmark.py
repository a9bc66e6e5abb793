"""How fast each reader extracts text, and how much memory ingestion needs for a large file.

Readers: every file given (default: the real PDFs and HTML pages Debian ships under
/usr/share/doc, where present, and a made file of each other kind: a DOCX, a Markdown book, a
Latin-1 text, JSONL and Parquet tables), read by `ingest_documents` as a run reads it; MB/s of
input, pages/s for PDFs, rows/s for tables. Memory: peak RSS of a `kedro run` of the
reading_comprehension pipeline up to the run plan (reading, chunking, planning; no LLM call)
over a folder holding one Markdown book of each given size, each size in its own process.
Prints a table and writes JSON.

    .venv/bin/python benchmarks/ingestion_benchmark.py --book-mb 2 20 80
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from agentinstruct.devtools import made_files
from agentinstruct.devtools.scratch_project import scratch_project
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams

ROOT = Path(__file__).resolve().parents[1]
SKILL = "reading_comprehension"
REAL_FILES = [
    "/usr/share/doc/libtasn1-doc/libtasn1.pdf",
    "/usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf",
    "/usr/share/doc/bzip2/manual.html",
    "/usr/share/doc/gcc-12/NEWS.html",
]
PEAK_RSS = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True);"
    " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def made(folder: Path) -> list[Path]:
    """One made file of each kind that Debian does not ship."""
    paragraphs = [("h1", "The hive")] + [
        ("h2" if n % 10 == 0 else "p", f"{made_files.BODY} Paragraph {n}.") for n in range(2000)
    ]
    (folder / "long.docx").write_bytes(made_files.docx(paragraphs))
    (folder / "latin1.txt").write_bytes((made_files.FRENCH + "\n\n").encode("latin-1") * 5000)
    made_files.write_book(folder / "book.md", 20)
    rows = pd.DataFrame({"text": [f"{made_files.BODY} Row {n}." for n in range(100_000)]})
    rows.to_json(folder / "rows.jsonl", orient="records", lines=True)
    rows.to_parquet(folder / "rows.parquet")
    return sorted(folder.iterdir())


def read_speed(path: Path) -> dict:
    data = path.read_bytes()
    start = time.perf_counter()
    documents, quarantined, _ = ingest_documents({path.name: lambda: data}, FlowParams())
    seconds = time.perf_counter() - start
    row = {
        "file": path.name,
        "reader": documents["source_format"].iloc[0] if len(documents) else "-",
        "MB": round(len(data) / 1e6, 2),
        "seconds": round(seconds, 3),
        "MB/s": round(len(data) / 1e6 / seconds, 2),
        "documents": len(documents),
        "quarantined": len(quarantined),
    }
    pages = documents["pages"].dropna() if "pages" in documents else []
    if len(pages):
        row["pages/s"] = round(int(pages.sum()) / seconds, 1)
    if len(documents) > 1:
        row["rows/s"] = round(len(documents) / seconds)
    return row


def peak_rss(book_mb: float, scratch: Path) -> dict:
    """Peak RSS of a run up to the plan, over a folder holding one book of `book_mb` MB."""
    project = scratch_project(ROOT, scratch / f"project-{book_mb}")
    raw = project / "data" / "01_raw" / SKILL
    shutil.rmtree(raw, ignore_errors=True)
    raw.mkdir(parents=True)
    made_files.write_book(raw / "book.md", book_mb)
    params = project / "conf" / "base" / "skills" / SKILL / "parameters.yml"
    values = yaml.safe_load(params.read_text())
    values[SKILL]["plan"] = {"target_pairs": 40}
    params.write_text(yaml.safe_dump(values))
    kedro = str(Path(sys.executable).with_name("kedro"))
    command = [kedro, "run", f"--pipeline={SKILL}", f"--to-nodes={SKILL}.plan_partition"]
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    )
    # a run of chosen nodes is one `whole` session (flow/partitions.py)
    whole = project / "data" / "02_intermediate" / SKILL / "partitions" / "whole"
    chunks = pd.read_parquet(whole / "chunks.parquet")
    return {
        "book_MB": book_mb,
        "chunks": len(chunks),
        "seconds": round(time.perf_counter() - start, 1),
        "peak_rss_MiB": round(int(done.stdout.split()[-1]) / 1024),
    }


def print_table(rows: list[dict]) -> None:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    print(" | ".join(columns))
    for row in rows:
        print(" | ".join(str(row.get(column, "")) for column in columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="*", type=Path, help="files to time (default: see top)")
    parser.add_argument("--book-mb", nargs="*", type=float, default=[2, 20, 80])
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks/results/ingestion_benchmark.json"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        files = args.files or [Path(p) for p in REAL_FILES if Path(p).exists()] + made(folder)
        readers = [read_speed(path) for path in files]
        print_table(readers)
        print()
        memory = [peak_rss(size, folder) for size in args.book_mb]
        print_table(memory)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"readers": readers, "memory": memory}, indent=2))
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    main()
