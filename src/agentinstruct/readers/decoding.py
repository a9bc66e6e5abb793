"""Bytes to text in whatever encoding they were written: UTF-8, a byte-order mark, or detection.

Detection (charset-normalizer) guesses from byte statistics and gets the common Western case
wrong: it reads a French Latin-1 file as cp1250 ("crème" becomes "crčme"). Where windows-1252
decodes the bytes as cleanly as its best guess, windows-1252 wins, as in browsers (WHATWG reads
"latin-1" as windows-1252). Files in an encoding that detection misses can name it:
`ingestion.encoding` in the skill's parameters.
"""

import codecs
import re
from dataclasses import dataclass

import charset_normalizer

# Longest marks first: the UTF-32 LE mark starts with the UTF-16 LE one.
BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WESTERN = "cp1252"
MAX_CONTROL_SHARE = 0.01  # more control characters than this and the "text" is binary
# Unicode's control characters (category Cc) except tab, newline, carriage return, form feed
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Decoded:
    """The text and the encoding it was read with, or why there is no text."""

    text: str | None
    encoding: str | None = None
    reason: str | None = None


def _controls(text: str) -> float:
    """The share of control characters other than whitespace: high in misread binary data."""
    return len(_CONTROL.findall(text)) / len(text) if text else 0.0


def _checked(text: str, encoding: str) -> Decoded:
    if _controls(text) > MAX_CONTROL_SHARE:
        return Decoded(None, reason=f"binary: control characters when read as {encoding}")
    return Decoded(text, encoding)


def decode(data: bytes, encoding: str | None = None) -> Decoded:
    """`data` as text: in `encoding` if given; else by byte-order mark, UTF-8, or detection."""
    if encoding is not None:
        try:
            return _checked(data.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError) as error:
            return Decoded(None, reason=f"not {encoding}: {error}")
    for mark, codec in BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                return _checked(data.decode(codec), codec.removesuffix("-sig"))
            except UnicodeDecodeError as error:
                return Decoded(None, reason=f"undecodable: {codec} mark, but {error}")
    try:
        return _checked(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        return Decoded(None, reason="binary: contains NUL bytes")
    matches = list(charset_normalizer.from_bytes(data))
    if not matches:
        return Decoded(
            None, reason="undecodable: not UTF-8 and no encoding fits; set ingestion.encoding"
        )
    cleanest = min(match.chaos for match in matches)
    chosen = next((m for m in matches if m.encoding == WESTERN and m.chaos == cleanest), matches[0])
    return _checked(str(chosen), chosen.encoding)
