"""Encoders for the import tests: Vietnamese text as a legacy DBF holds it (encodings.py inverted)."""

from __future__ import annotations

import unicodedata

from layers.exchange import encodings

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VNI_SINGLE_BACK = {v: k for k, v in encodings._VNI_SINGLE.items()}


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes: letters with their vowel marks, tones as separate combining bytes."""
    out = ""
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        tones = "".join(c for c in parts if c in _TONES)
        out += unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES)) + tones
    return out.encode("cp1258")


def encode_tcvn3(text: str) -> bytes:
    """TCVN3 bytes (upper-case toned letters take the lower-case byte, as TCVN3 fonts do)."""
    back = {c: b for b, c in encodings._TCVN3.items()}
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        if char in back:
            out.append(back[char])
        elif char.lower() in back:
            out.append(back[char.lower()])
        else:
            out += char.encode("ascii")
    return bytes(out)


def encode_vni(text: str) -> bytes:
    """VNI-Windows bytes: the base letter, then one byte for its marks."""
    marks_back = {v: k for k, v in encodings._VNI_MARKS.items() if k.islower()}
    marks_back_upper = {v: k for k, v in encodings._VNI_MARKS.items() if k.isupper()}
    out = ""
    for char in unicodedata.normalize("NFC", text):
        if char in _VNI_SINGLE_BACK:
            out += _VNI_SINGLE_BACK[char]
            continue
        parts = unicodedata.normalize("NFD", char)
        base = parts[0]
        # NFD puts a dot below before the circumflex; VNI's tables list the vowel mark first.
        marks = "".join(c for c in parts[1:] if c not in _TONES) + "".join(c for c in parts[1:] if c in _TONES)
        if marks == "\u031b":
            out += _VNI_SINGLE_BACK[unicodedata.normalize("NFC", parts)]
            continue
        if marks.startswith("\u031b"):  # ơ/ư with a tone
            out += _VNI_SINGLE_BACK[unicodedata.normalize("NFC", base + "\u031b")]
            marks = marks[1:]
        elif base in "iI" and marks:
            out += _VNI_SINGLE_BACK[char]
            continue
        else:
            out += base
        if marks:
            out += (marks_back_upper if char.isupper() else marks_back)[marks]
    return out.encode("cp1252")
