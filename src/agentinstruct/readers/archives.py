"""Zip bombs: a zip-based file (DOCX) is checked before a library unpacks it.

A file's size says nothing of what it unpacks to: 1.2 MB of DOCX can hold 400 MB of
document.xml (8 GB once python-docx parsed it). So the central directory is checked first (entry
count, then the sizes it declares), and the declared sizes are then made true: zipfile trusts
them, but its `read()` inflates an entry whole before cutting it to the declared size, so an
entry that declares 1 kB and inflates to 400 MB would cost 400 MB. Each deflated entry is
inflated here a chunk at a time, and only until it passes its declared size.
"""

import io
import struct
import zipfile
import zlib

from agentinstruct.readers.options import ReadOptions

CENTRAL_ENTRY = b"PK\x01\x02"  # the signature every central directory entry starts with
INFLATE_CHUNK = 1 << 20  # bytes inflated at a time while a declared size is checked
LOCAL_HEADER = 30  # bytes of a local file header before its name and extra field
READ_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}  # what Office and ODF writers use


def _inflates_past(data: bytes, info: zipfile.ZipInfo) -> bool:
    """Whether a deflated entry inflates to more than its declared `file_size`."""
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    start = info.header_offset + LOCAL_HEADER + name_length + extra_length
    packed = memoryview(data)[start : start + info.compress_size]
    inflater, inflated = zlib.decompressobj(-zlib.MAX_WBITS), 0
    for offset in range(0, len(packed), INFLATE_CHUNK):
        pending = packed[offset : offset + INFLATE_CHUNK]
        while pending and not inflater.eof:
            inflated += len(inflater.decompress(pending, INFLATE_CHUNK))
            if inflated > info.file_size:
                return True
            pending = inflater.unconsumed_tail
    return False


def archive_refusal(data: bytes, options: ReadOptions) -> str | None:
    """Why a zip must not be unpacked, or None (also for what is not a zip: its reader says)."""
    # Counted before zipfile builds an object per entry (4.6 s and 56 MB for 100,000 of them):
    # every entry it would build starts with this signature, so the count is an upper bound.
    entries = data.count(CENTRAL_ENTRY)
    if entries > options.max_archive_entries:
        return (
            f"archive too large: {entries} entries > "
            f"max_archive_entries={options.max_archive_entries}"
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return None
    declared = sum(info.file_size for info in infos)
    if declared > options.max_unpacked_bytes:
        return (
            f"archive too large: unpacks to {declared} bytes > "
            f"max_unpacked_bytes={options.max_unpacked_bytes}"
        )
    for info in infos:
        if info.compress_type not in READ_METHODS:
            return f"archive: {info.filename} is packed with method {info.compress_type}, not read"
        try:
            lies = info.compress_type == zipfile.ZIP_DEFLATED and _inflates_past(data, info)
        except (zlib.error, struct.error):
            return None  # corrupt: the reader's own error says so
        if lies:
            return (
                f"archive too large: {info.filename} unpacks past the {info.file_size} bytes"
                " its header declares"
            )
    return None
