"""Name pools and the species list of the sample: people, organisations, taxa.

People's names are assembled from common Vietnamese family, middle and given names, so they are
plausible without naming anyone real. Organisations are generic patterns around place names,
plus the province's well-known water utilities and irrigation companies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAMILY = ("Nguyễn", "Lê", "Trần", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Lò", "Hà", "Cầm", "Lương", "Đinh", "Trịnh")
MIDDLE_M = ("Văn", "Đình", "Minh", "Quang", "Xuân", "Hữu", "Công", "Đức")
MIDDLE_F = ("Thị", "Thu", "Thanh", "Ngọc", "Hồng")
GIVEN_M = ("Hùng", "Dũng", "Tuấn", "Thắng", "Long", "Sơn", "Hải", "Cường", "Quyết", "Tiến", "Bình", "Khánh", "Lâm")
GIVEN_F = ("Hoa", "Lan", "Hương", "Mai", "Thảo", "Hằng", "Nga", "Yến", "Trang", "Linh")


def person_names(count: int, rng: np.random.Generator) -> list[str]:
    """`count` distinct Vietnamese personal names (about a fifth of them women's)."""
    names: list[str] = []
    while len(names) < count:
        woman = rng.random() < 0.2
        middle = MIDDLE_F if woman else MIDDLE_M
        given = GIVEN_F if woman else GIVEN_M
        name = f"{rng.choice(FAMILY)} {rng.choice(middle)} {rng.choice(given)}"
        if name not in names:
            names.append(name)
    return names


def observer_pool(rng: np.random.Generator) -> list[str]:
    """Rangers, researchers and survey teams who record species observations."""
    people = person_names(40, rng)
    teams = [
        "Nhóm điều tra đa dạng sinh học - Viện Sinh thái và Tài nguyên sinh vật",
        "Nhóm bẫy ảnh - Chi cục Kiểm lâm Thanh Hóa",
        "Đoàn khảo sát - Trường Đại học Hồng Đức",
        "Tổ giám sát đa dạng sinh học Pù Luông",
    ]
    return people + teams


WATER_UTILITIES = (
    "Công ty Cổ phần Cấp nước Thanh Hóa",
    "Trung tâm Nước sạch và Vệ sinh môi trường nông thôn Thanh Hóa",
)
IRRIGATION_COMPANIES = (
    "Công ty TNHH MTV Sông Chu",
    "Công ty TNHH MTV Thủy lợi Bắc Sông Mã Thanh Hóa",
    "Công ty TNHH MTV Thủy lợi Nam Sông Mã Thanh Hóa",
)
INDUSTRY_KINDS = ("Xi măng", "Mía đường", "May mặc", "Chế biến thủy sản", "Giày da", "Thép", "Bia", "Gạch men")


def holder_name(purpose: str, place: str, rng: np.random.Generator) -> str:
    """A plausible permit holder for this purpose near the commune `place` (short name)."""
    roll = rng.random()
    if purpose == "domestic":
        if roll < 0.3:
            return str(rng.choice(WATER_UTILITIES))
        return f"Công ty Cổ phần Nước sạch {place}" if roll < 0.65 else f"Ban Quản lý công trình cấp nước xã {place}"
    if purpose == "irrigation":
        return str(rng.choice(IRRIGATION_COMPANIES)) if roll < 0.45 else f"HTX Dịch vụ nông nghiệp {place}"
    if purpose == "aquaculture":
        return f"HTX Nuôi trồng thủy sản {place}" if roll < 0.5 else f"Công ty TNHH Thủy sản {place}"
    if purpose == "hydropower":
        return f"Công ty Cổ phần Thủy điện {place}"
    kind = str(rng.choice(INDUSTRY_KINDS))
    form = "Công ty TNHH" if roll < 0.5 else "Công ty Cổ phần"
    return f"{form} {kind} {place}"


@dataclass(frozen=True)
class Species:
    """A taxon of the sample with its Darwin Core and red-list attributes and where it lives."""

    scientific_name: str
    vernacular_name: str
    kingdom: str
    taxon_class: str
    iucn: str | None
    vn_red_book: str | None  # Sách Đỏ Việt Nam 2007; None where the taxon is not listed or unsure
    weight: float  # how often it turns up in records (camera traps favour the common ones)
    max_count: int  # largest plausible individualCount of one record
    sites: str  # initials of the protected areas where it is recorded: L Pù Luông, H Pù Hu, X Xuân Liên, B Bến En


SPECIES: tuple[Species, ...] = (
    Species("Trachypithecus delacouri", "Voọc mông trắng", "Animalia", "Mammalia", "CR", "CR", 0.6, 9, "L"),
    Species("Nomascus leucogenys", "Vượn đen má trắng", "Animalia", "Mammalia", "CR", "EN", 0.4, 4, "HX"),
    Species("Capricornis milneedwardsii", "Sơn dương", "Animalia", "Mammalia", "NT", "EN", 0.8, 2, "LHX"),
    Species("Ursus thibetanus", "Gấu ngựa", "Animalia", "Mammalia", "VU", "EN", 0.3, 2, "HX"),
    Species("Nycticebus bengalensis", "Cu li lớn", "Animalia", "Mammalia", "EN", "VU", 0.7, 2, "LHXB"),
    Species("Nycticebus pygmaeus", "Cu li nhỏ", "Animalia", "Mammalia", "EN", "VU", 0.5, 2, "LXB"),
    Species("Macaca arctoides", "Khỉ mặt đỏ", "Animalia", "Mammalia", "VU", "VU", 1.5, 25, "LHXB"),
    Species("Macaca assamensis", "Khỉ mốc", "Animalia", "Mammalia", "NT", "VU", 1.0, 20, "LHX"),
    Species("Macaca mulatta", "Khỉ vàng", "Animalia", "Mammalia", "LC", None, 2.5, 30, "LHXB"),
    Species("Manis pentadactyla", "Tê tê vàng", "Animalia", "Mammalia", "CR", "EN", 0.2, 1, "XB"),
    Species("Muntiacus vaginalis", "Mang thường", "Animalia", "Mammalia", "LC", None, 4.0, 3, "LHXB"),
    Species("Sus scrofa", "Lợn rừng", "Animalia", "Mammalia", "LC", None, 3.0, 12, "LHXB"),
    Species("Paguma larvata", "Cầy vòi mốc", "Animalia", "Mammalia", "LC", None, 2.0, 2, "LHXB"),
    Species("Viverra zibetha", "Cầy giông", "Animalia", "Mammalia", "LC", None, 1.5, 2, "LHXB"),
    Species("Prionailurus bengalensis", "Mèo rừng", "Animalia", "Mammalia", "LC", None, 1.2, 2, "LHXB"),
    Species("Ratufa bicolor", "Sóc đen", "Animalia", "Mammalia", "NT", None, 1.5, 3, "HXB"),
    Species("Lophura nycthemera", "Gà lôi trắng", "Animalia", "Aves", "LC", None, 2.5, 6, "LHXB"),
    Species("Polyplectron bicalcaratum", "Gà tiền mặt vàng", "Animalia", "Aves", "LC", None, 1.5, 3, "LHXB"),
    Species("Buceros bicornis", "Hồng hoàng", "Animalia", "Aves", "VU", "VU", 0.4, 4, "XB"),
    Species("Anthracoceros albirostris", "Cao cát bụng trắng", "Animalia", "Aves", "LC", None, 1.2, 8, "LXB"),
    Species("Spilornis cheela", "Diều hoa Miến Điện", "Animalia", "Aves", "LC", None, 1.0, 2, "LHXB"),
    Species("Garrulax chinensis", "Khướu bạc má", "Animalia", "Aves", "LC", None, 2.0, 10, "LHXB"),
    Species("Tylototriton vietnamensis", "Cá cóc Việt Nam", "Animalia", "Amphibia", "EN", None, 0.5, 15, "L"),
    Species("Python bivittatus", "Trăn đất", "Animalia", "Reptilia", "VU", "CR", 0.3, 1, "XB"),
    Species("Ophiophagus hannah", "Rắn hổ mang chúa", "Animalia", "Reptilia", "VU", "CR", 0.3, 1, "HXB"),
    Species("Platysternon megacephalum", "Rùa đầu to", "Animalia", "Reptilia", "CR", "EN", 0.3, 2, "LHX"),
    Species("Physignathus cocincinus", "Rồng đất", "Animalia", "Reptilia", "VU", "VU", 0.8, 3, "LXB"),
    Species("Varanus salvator", "Kỳ đà hoa", "Animalia", "Reptilia", "LC", "EN", 0.4, 1, "B"),
    Species("Fokienia hodginsii", "Pơ mu", "Plantae", "Pinopsida", "VU", None, 1.5, 20, "LHX"),
    Species("Calocedrus macrolepis", "Bách xanh", "Plantae", "Pinopsida", "VU", None, 0.8, 12, "LH"),
    Species("Chukrasia tabularis", "Lát hoa", "Plantae", "Magnoliopsida", "LC", "VU", 1.5, 15, "LHXB"),
    Species("Madhuca pasquieri", "Sến mật", "Plantae", "Magnoliopsida", "VU", None, 1.0, 10, "XB"),
    Species("Erythrophleum fordii", "Lim xanh", "Plantae", "Magnoliopsida", None, "EN", 1.0, 10, "XB"),
    Species("Dalbergia tonkinensis", "Sưa", "Plantae", "Magnoliopsida", "VU", "EN", 0.5, 5, "B"),
    Species("Parashorea chinensis", "Chò chỉ", "Plantae", "Magnoliopsida", "EN", None, 1.0, 8, "LXB"),
    Species("Aquilaria crassna", "Trầm hương", "Plantae", "Magnoliopsida", "CR", "EN", 0.3, 4, "XB"),
)

SITE_NAMES = {
    "L": "Khu bảo tồn thiên nhiên Pù Luông",
    "H": "Khu bảo tồn thiên nhiên Pù Hu",
    "X": "Vườn quốc gia Xuân Liên",
    "B": "Vườn quốc gia Bến En",
}


def species_weights(site: str | None) -> np.ndarray:
    """Relative chance of each species in a record at a site (None: outside protected areas)."""
    w = np.array([s.weight for s in SPECIES])
    if site is None:
        # Outside the reserves endangered species are rarely seen, critically endangered ones not at all.
        factor = {"CR": 0.0, "EN": 0.1}
        return w * np.array([factor.get(s.iucn or "", 1.0) for s in SPECIES])
    return w * np.array([site in s.sites for s in SPECIES], dtype=float)
