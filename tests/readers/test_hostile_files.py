"""Hostile raw files: links out of the raw folder, special files, zip bombs, encrypted PDFs, a
huge single line. Each is read, or quarantined with a true reason, in bounded time and memory;
nothing outside the raw folder is ever read."""

import io
import json
import os
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
import yaml
from kedro.io import AbstractDataset
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DependencyError

from agentinstruct.datasets import ChatFolderDataset, TableFolderDataset
from agentinstruct.devtools import made_files
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams
from tests.conftest import PROJECT_ROOT

BODY = made_files.BODY
SECRET = "The launch codes are 0000; nobody outside this machine may read this line."
PARAGRAPHS = b"<w:p><w:r><w:t>bee</w:t></w:r></w:p>" * 28_000  # 1 MB of document.xml
BOMB_MEGABYTES = 400  # 1.2 MB once deflated


def _raw_folder(path: Path) -> dict:
    """The skill's raw folder loaded exactly as the catalog configures it, over `path`."""
    catalog = yaml.safe_load((PROJECT_ROOT / "conf" / "base" / "catalog.yml").read_text())
    entry = catalog["{skill}.raw_documents"]
    resolved = {key: value for key, value in entry.items() if "${" not in str(value)}  # a run's
    config = {**resolved, "path": str(path)}
    return AbstractDataset.from_config("raw_documents", config).load()


def _ingest(raw: dict, **ingestion: object) -> tuple[list[str], dict[str, str], str]:
    params = FlowParams.model_validate({"ingestion": ingestion})
    documents, quarantined, _ = ingest_documents(raw, params)
    reasons = dict(zip(quarantined["source_path"], quarantined["reason"], strict=True))
    return sorted(documents["source_path"]), reasons, "\n".join(documents["text"])


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A raw folder with a document, a file of a type not read, and links of every kind."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    folder = tmp_path / "raw"
    (folder / "notes").mkdir(parents=True)
    (folder / "notes" / "bees.txt").write_text(BODY)
    (folder / "notes" / "waggle.log").write_text(f"{BODY} The waggle run points the way.")
    links = {
        "passwd.txt": "/etc/passwd",
        "secret.txt": outside / "secret.txt",
        "notes/up.txt": Path("..") / ".." / "outside" / "secret.txt",
        "outside_folder": outside,
        "root_folder": "/",
        "notes/parent": "..",
        "waggle.txt": folder / "notes" / "waggle.log",
        "notes_again": folder / "notes",
        "broken.txt": folder / "missing.txt",
        "chain.txt": folder / "secret.txt",  # a link to a link leading out
    }
    for name, target in links.items():
        (folder / name).symlink_to(target)
    return folder


OUTSIDE = "symlink: points outside the raw folder; never followed"
LINK_REASONS = {
    "passwd.txt": OUTSIDE,
    "secret.txt": OUTSIDE,
    "notes/up.txt": OUTSIDE,
    "outside_folder": OUTSIDE,
    "root_folder": OUTSIDE,
    "chain.txt": OUTSIDE,
    "notes/parent": "symlink: to a folder inside the raw folder; its files are read where they are",
    "notes_again": "symlink: to a folder inside the raw folder; its files are read where they are",
    "broken.txt": "symlink: points inside the raw folder, to nothing",
}


def test_symlinks_are_quarantined_and_nothing_outside_the_raw_folder_is_read(raw: Path) -> None:
    raw_documents = _raw_folder(raw)
    documents, reasons, texts = _ingest(raw_documents)
    assert documents == ["notes/bees.txt"]
    assert reasons == {
        **LINK_REASONS,
        "waggle.txt": "symlink: points inside the raw folder; not followed"
        " (ingestion.follow_symlinks)",
        "notes/waggle.log": reasons["notes/waggle.log"],
    }
    assert reasons["notes/waggle.log"].startswith("unsupported file type .log")
    assert SECRET not in texts and "root:" not in texts
    with pytest.raises(PermissionError, match="outside the raw folder"):
        raw_documents["secret.txt"]()  # a link's loader refuses too, whoever calls it


def test_follow_symlinks_reads_a_link_to_a_file_inside_the_folder_only(raw: Path) -> None:
    documents, reasons, texts = _ingest(_raw_folder(raw), follow_symlinks=True)
    assert documents == ["notes/bees.txt", "waggle.txt"]
    assert "The waggle run points the way." in texts and SECRET not in texts
    assert {path: reasons[path] for path in LINK_REASONS} == LINK_REASONS


def test_a_named_pipe_is_quarantined_without_hanging_the_run(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "bees.txt").write_text(BODY)
    outcome: dict = {}

    def ingest() -> None:
        outcome["result"] = _ingest(_raw_folder(tmp_path))

    reading = threading.Thread(target=ingest, daemon=True)  # a blocked read cannot be killed
    reading.start()
    reading.join(timeout=20)
    assert "result" in outcome, "reading a named pipe blocked the run"
    documents, reasons, _ = outcome["result"]
    assert documents == ["bees.txt"]
    assert reasons == {"pipe.txt": "unreadable: not a regular file: pipe.txt"}


def test_a_folder_that_cannot_be_listed_is_a_quarantine_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "locked").mkdir()
    (tmp_path / "bees.txt").write_text(BODY)
    listing = os.scandir

    def scandir(path: Path) -> object:  # chmod 000 does not stop root, who may run the tests
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    documents, reasons, _ = _ingest(_raw_folder(tmp_path))
    assert documents == ["bees.txt"]
    assert reasons == {"locked": "unreadable folder: Permission denied"}


def test_a_file_known_to_be_oversized_is_quarantined_unread(tmp_path: Path) -> None:
    with (tmp_path / "huge.txt").open("wb") as huge:
        huge.truncate(3_000_000_000)  # sparse: no disk, but 3 GB for whoever reads it
    start = time.perf_counter()
    documents, reasons, _ = _ingest(_raw_folder(tmp_path))
    assert documents == [] and time.perf_counter() - start < 5
    assert reasons == {"huge.txt": "oversized: 3000000000 bytes > max_document_bytes=200000000"}


def test_an_empty_or_missing_raw_folder_has_no_documents(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert _raw_folder(tmp_path / "empty") == {}
    assert _raw_folder(tmp_path / "missing") == {}


def _docx_with(paragraphs: bytes | None, entries: int = 0) -> bytes:
    """A real DOCX whose document.xml holds BOMB_MEGABYTES of `paragraphs` (streamed: the test
    never holds it whole), plus `entries` empty entries."""
    base = zipfile.ZipFile(io.BytesIO(made_files.docx([("p", BODY)])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in base.infolist():
            if info.filename != "word/document.xml" or paragraphs is None:
                archive.writestr(info.filename, base.read(info))
                continue
            with archive.open(info.filename, "w") as part:
                head, tail = base.read(info).split(b"<w:body>")
                part.write(head + b"<w:body>")
                for _ in range(BOMB_MEGABYTES):
                    part.write(paragraphs)
                part.write(b"</w:body>" + tail.split(b"</w:body>")[-1])
        for number in range(entries):
            archive.writestr(f"extra/{number}.xml", b"")
    return out.getvalue()


def _lie_about(data: bytes, name: bytes, size: int) -> bytes:
    """The archive with `name`'s uncompressed size declared as `size`, in its central directory
    and local header (the compressed data left as it is)."""
    patched = bytearray(data)
    entry = patched.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = struct.unpack_from("<H", patched, entry + 28)[0]
        if patched[entry + 46 : entry + 46 + name_length] == name:
            struct.pack_into("<I", patched, entry + 24, size)
            local = struct.unpack_from("<I", patched, entry + 42)[0]
            struct.pack_into("<I", patched, local + 22, size)
            return bytes(patched)
        entry = patched.find(b"PK\x01\x02", entry + 4)
    raise ValueError(name)


# Run in a process of its own, so that its peak RSS is the bomb's (VmHWM: ru_maxrss would keep
# the peak of the forked test process), and so that a reader that unpacked the bomb would hit the
# address-space limit, not the machine.
BOMB_RUN = """
import json, re, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams
import docx, lxml.etree  # imported before the baseline: a DOCX run has them anyway

def peak_mib():
    status = open("/proc/self/status").read()
    return int(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1)) / 1024

data = open(sys.argv[1], "rb").read()
baseline = peak_mib()
start = time.perf_counter()
documents, quarantined, _ = ingest_documents({"bomb.docx": lambda: data}, FlowParams())
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "baseline_mib": baseline,
    "peak_mib": peak_mib(),
    "documents": len(documents),
    "reasons": quarantined["reason"].tolist(),
}))
"""


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("declared", "archive too large: unpacks to 404025880 bytes > max_unpacked_bytes="),
        ("lying", "archive too large: word/document.xml unpacks past the 1000 bytes"),
    ],
)
@pytest.mark.slow
def test_a_zip_bomb_docx_is_quarantined_fast_in_little_memory(
    tmp_path: Path, header: str, reason: str
) -> None:
    bomb = _docx_with(PARAGRAPHS)
    if header == "lying":  # zipfile trusts the header, but inflates a whole entry to check it
        bomb = _lie_about(bomb, b"word/document.xml", 1000)
    assert len(bomb) < 2_000_000
    (tmp_path / "bomb.docx").write_bytes(bomb)
    run = subprocess.run(
        [sys.executable, "-c", BOMB_RUN, str(tmp_path / "bomb.docx")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    measured = json.loads(run.stdout.splitlines()[-1])
    print(header, measured)
    assert measured["documents"] == 0 and measured["reasons"][0].startswith(reason)
    assert measured["seconds"] < 5
    assert measured["peak_mib"] < 200


def test_a_docx_of_too_many_entries_is_quarantined() -> None:
    many = _docx_with(None, entries=500)
    _, reasons, _ = _ingest({"many.docx": lambda: many}, max_archive_entries=100)
    assert reasons["many.docx"].startswith("archive too large: 5")
    assert reasons["many.docx"].endswith("entries > max_archive_entries=100")


def _encrypted_pdf(user_password: str) -> bytes:
    """An RC4-encrypted PDF (pypdf's writer; AES would need the `cryptography` package)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(made_files.pdf([[BODY]]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_encrypted_with_an_empty_user_password_is_read() -> None:
    documents, reasons, texts = _ingest(
        {"open.pdf": lambda: _encrypted_pdf(""), "locked.pdf": lambda: _encrypted_pdf("secret")}
    )
    assert documents == ["open.pdf"] and BODY in texts
    assert reasons == {"locked.pdf": "encrypted PDF: needs a password"}


def test_a_huge_single_line_text_is_read_in_memory_a_few_times_its_size() -> None:
    data = (f"{BODY} " * 600_000).encode()[:50_000_000]  # 50 MB without a line break
    tracemalloc.start()
    start = time.perf_counter()
    documents, reasons, _ = _ingest({"line.txt": lambda: data})
    seconds, (_, peak) = time.perf_counter() - start, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert documents == ["line.txt"] and not reasons
    assert peak < 6 * len(data) and seconds < 10  # measured: 5x (text, and its UTF-8 for the id)


def test_an_aes_pdf_without_the_cryptography_package_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pypdf needs `cryptography` for AES, which this project does not install."""

    def needs_cryptography(reader: PdfReader, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", needs_cryptography)
    _, reasons, _ = _ingest({"aes.pdf": lambda: _encrypted_pdf("")})
    assert reasons == {"aes.pdf": "encrypted PDF: cryptography>=3.1 is required for AES algorithm"}


@pytest.mark.parametrize("dataset", [TableFolderDataset, ChatFolderDataset])
def test_table_folders_never_follow_a_symlink(tmp_path: Path, dataset) -> None:
    """Evaluation sets and the standalone curation's chat data reach the decontamination index
    and the judge: a link in their folders is skipped like one in the raw folder."""
    outside = tmp_path / "outside.jsonl"
    outside.write_text(json.dumps({"messages": [{"role": "user", "content": SECRET}]}) + "\n")
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "kept.jsonl").write_text(json.dumps({"question": "q", "answer": "a"}) + "\n")
    (folder / "leak.jsonl").symlink_to(outside)
    (folder / "tree").symlink_to(tmp_path)
    tables = dataset(str(folder), suffixes=[".jsonl"]).load()
    assert list(tables) == ["kept.jsonl"]
