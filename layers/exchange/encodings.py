"""Vietnamese text in legacy DBFs: UTF-8, Windows-1258, TCVN3 (ABC) and VNI-Windows, decoded to NFC.

TCVN3 and VNI are font encodings with no Python codec, so their tables are written out here from
the published character tables (TCVN 5712:1993 VN3; VNI-Windows by VNI Software). TCVN3 gives each
lower-case letter one byte (upper-case toned letters reuse them, drawn by a capitals font); VNI
writes a Latin letter followed by one byte for its marks, as cp1252 shows them ("Puø Luoâng").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

ENCODINGS = ("utf-8", "cp1258", "tcvn3", "vni")

# TCVN3: byte -> letter.
_TCVN3 = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
_TCVN3_TABLE = str.maketrans({bytes([b]).decode("latin-1"): c for b, c in _TCVN3.items()})

# VNI: the byte after a vowel (as cp1252 shows it) -> the combining marks it stands for.
_ACUTE, _GRAVE, _HOOK, _TILDE, _DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_CIRC, _BREVE, _HORN = "\u0302", "\u0306", "\u031b"
_VNI_MARKS = {
    "ù": _ACUTE, "ø": _GRAVE, "û": _HOOK, "õ": _TILDE, "ï": _DOT,
    "â": _CIRC, "á": _CIRC + _ACUTE, "à": _CIRC + _GRAVE, "å": _CIRC + _HOOK, "ã": _CIRC + _TILDE, "ä": _CIRC + _DOT,
    "ê": _BREVE, "é": _BREVE + _ACUTE, "è": _BREVE + _GRAVE, "ú": _BREVE + _HOOK, "ü": _BREVE + _TILDE,
    "ë": _BREVE + _DOT,
}  # fmt: skip
# VNI letters of their own byte: ơ ư đ and the toned i's.
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "æ": "í", "ì": "ì", "ó": "ỉ", "î": "ĩ", "ò": "ị"}
_VNI_SINGLE |= {k.upper(): v.upper() for k, v in _VNI_SINGLE.items()}
_VNI_MARKS |= {k.upper(): v for k, v in _VNI_MARKS.items()}
_VOWELS = set("aeiouyAEIOUYơưƠƯ")
# Breve marks only an a; on e and o the same bytes are circumflex-free marks that VNI never writes.
_BREVE_BASES = set("aA")


def decode_tcvn3(raw: bytes) -> str:
    """TCVN3 (ABC) bytes as NFC text."""
    return unicodedata.normalize("NFC", raw.decode("latin-1").translate(_TCVN3_TABLE))


def decode_vni(raw: bytes) -> str:
    """VNI-Windows bytes as NFC text: each mark byte joins the vowel before it."""
    out: list[str] = []
    for char in raw.decode("cp1252", errors="replace"):
        previous = out[-1][-1:] if out else ""
        marks = _VNI_MARKS.get(char)
        if marks and previous in _VOWELS and (_BREVE not in marks or previous in _BREVE_BASES):
            out[-1] += marks
            continue
        out.append(_VNI_SINGLE.get(char, char))
    return unicodedata.normalize("NFC", "".join(out))


def decode(raw: bytes, encoding: str) -> str:
    """Bytes in one of ENCODINGS as NFC text (undecodable bytes become U+FFFD)."""
    if encoding == "tcvn3":
        return decode_tcvn3(raw)
    if encoding == "vni":
        return decode_vni(raw)
    # cp1258 decodes to base letters with combining tones: NFC composes them.
    return unicodedata.normalize("NFC", raw.decode(encoding, errors="replace"))


# The Vietnamese alphabet with every tone: what a well-decoded word is made of.
_VIET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
_TONED = set("áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ")
_WORD = re.compile(r"[^\W\d_]+")


def _score(text: str) -> int:
    """How Vietnamese the text looks: words of the alphabet with at most one tone count, others cost."""
    score = 0
    for word in _WORD.findall(text):
        lower = word.lower()
        tones = sum(c in _TONED for c in lower)
        if all(c in _TONED or c in _VIET or c in "fjwz" for c in lower) and tones <= 1:
            score += 1 + 2 * (tones + sum(c in "ăâđêôơư" for c in lower))
        else:
            score -= 3
    return score - 5 * text.count("\ufffd")


def detect(values: Iterable[bytes]) -> tuple[str, str]:
    """The likely encoding of raw DBF text values, and why it was chosen."""
    sample = b"\n".join(v for v in values if v)[:200_000]
    if not any(b > 0x7F for b in sample):
        return "utf-8", "every text value is plain ASCII, which reads the same in every encoding"
    try:
        sample.decode("utf-8")
        return "utf-8", "the text is valid UTF-8 (legacy encodings almost never are)"
    except UnicodeDecodeError:
        pass
    scores = {name: _score(decode(sample, name)) for name in ("cp1258", "vni", "tcvn3")}
    best = max(scores, key=lambda name: scores[name])
    shown = ", ".join(f"{name} {score}" for name, score in scores.items())
    return best, f"not UTF-8; read as {best}, whose words look most like Vietnamese (scores: {shown})"


def cpg_encoding(text: str) -> str | None:
    """The encoding a .cpg names, in our terms (None when it names one we do not read)."""
    name = text.strip().lower().replace("_", "-")
    aliases = {"utf-8": "utf-8", "utf8": "utf-8", "65001": "utf-8", "1258": "cp1258", "cp1258": "cp1258"}
    aliases |= {"windows-1258": "cp1258", "ansi 1258": "cp1258", "tcvn3": "tcvn3", "vni": "vni"}
    return aliases.get(name)
