"""Legacy encodings against text as the old fonts wrote it (bytes from the published tables), not our encoder."""

from __future__ import annotations

import pytest

from layers.exchange.encodings import cpg_encoding, decode, detect


@pytest.mark.parametrize(
    ("raw", "encoding", "text"),
    [
        # TCVN3 (ABC): "Thanh Hãa", "Pï Lu«ng", "Xu©n Li£n", "BÕn En" as a .VnTime font shows them.
        (b"Thanh H\xe3a", "tcvn3", "Thanh Hóa"),
        (b"P\xef Lu\xabng", "tcvn3", "Pù Luông"),
        (b"Xu\xa9n Li\xaan", "tcvn3", "Xuân Liên"),
        (b"B\xd5n En", "tcvn3", "Bến En"),
        (b"\xa7\xb5 N\xbdng", "tcvn3", "Đà Nẵng"),
        # VNI-Windows: "Thanh Hoùa", "Puø Luoâng", "Xuaân Lieân", "Beán En", "Ñöôøng".
        (b"Thanh Ho\xf9a", "vni", "Thanh Hóa"),
        (b"Pu\xf8 Luo\xe2ng", "vni", "Pù Luông"),
        (b"Xua\xe2n Lie\xe2n", "vni", "Xuân Liên"),
        (b"Be\xe1n En", "vni", "Bến En"),
        (b"\xd1\xf6\xf4\xf8ng", "vni", "Đường"),
        # Windows-1258: tones as combining bytes (0xEC acute, 0xCC grave), composed to NFC here.
        (b"Thanh Ho\xeca", "cp1258", "Thanh Hóa"),
        (b"Pu\xcc Lu\xf4ng", "cp1258", "Pù Luông"),
    ],
)
def test_published_bytes_decode_to_nfc(raw, encoding, text):
    assert decode(raw, encoding) == text


def test_detection_says_why():
    assert detect([b"Ban Quan ly"])[0] == "utf-8"
    name, why = detect([b"Khu BTTN P\xef Lu\xabng", b"V\xad\xean qu\xe8c gia B\xd5n En", b"Thanh H\xe3a"])
    assert name == "tcvn3" and "not UTF-8" in why
    assert detect(["Vườn quốc gia Bến En".encode()])[0] == "utf-8"


def test_cpg_names():
    assert cpg_encoding("UTF-8\n") == "utf-8" and cpg_encoding("1258") == "cp1258"
    assert cpg_encoding("65001") == "utf-8" and cpg_encoding("GB2312") is None
