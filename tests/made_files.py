"""Real files of the formats ingestion reads, made by the tests themselves (no binary fixtures)."""

import io


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
