"""The text of a PDF written by fpdf2 with an embedded TrueType font, for assertions.

pypdf is not in the test environment; fpdf2 writes each line as 2-byte glyph codes in
``(...) Tj`` and maps codes to Unicode in the font's ToUnicode CMap, which is all a test
needs to read back what the certificate says.
"""

from __future__ import annotations

import re
import zlib

STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f",
           b"(": b"(", b")": b")", b"\\": b"\\"}


def _streams(pdf: bytes) -> list[bytes]:
    out = []
    for raw in STREAM.findall(pdf):
        try:  # the data's own end, not a guessed line break, ends a compressed stream
            out.append(zlib.decompressobj().decompress(raw))
        except zlib.error:
            out.append(raw)
    return out


def _unescape(literal: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(literal):
        c = literal[i:i + 1]
        if c == b"\\":
            nxt = literal[i + 1:i + 2]
            octal = re.match(rb"[0-7]{1,3}", literal[i + 1:i + 4])
            if octal:
                out.append(int(octal[0], 8))
                i += 1 + len(octal[0])
                continue
            out += ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += c
        i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    """Every ``Tj`` string of every page, decoded through the ToUnicode maps, one per line."""
    streams = _streams(pdf)
    cmap: dict[int, str] = {}
    for s in streams:
        if b"beginbfchar" in s:
            for code, uni in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", s):
                cmap[int(code, 16)] = bytes.fromhex(uni.decode()).decode("utf-16-be")
    lines = []
    for s in streams:
        for literal in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", s, re.S):
            raw = _unescape(literal)
            lines.append("".join(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "?")
                                 for i in range(0, len(raw) - 1, 2)))
    return "\n".join(lines)
