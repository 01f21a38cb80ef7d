"""The 166 communes and wards of Thanh Hóa after 1 July 2025, tiled over the hand-drawn outline.

Each commune is the union of the Voronoi cells of a seed point placed near where the commune
really is (from the old district centres and the communes whose names the new units keep) and a
few jittered helper points that make the borders less straight. Cells are clipped to the outline,
so the communes tile the province with no gaps or overlaps.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import MultiPoint, MultiPolygon, Polygon

from layers.sample.geography import GEOGRAPHY_SEED, GRID, as_multipolygon, outline_polygon

# Official code, name (NFC, as published with the 2025 resolutions) and an approximate position.
# Codes run by former district, so the comments name the district each block came from.
COMMUNE_TABLE: tuple[tuple[str, str, float, float], ...] = (
    # TP Thanh Hóa, Bỉm Sơn
    ("14758", "Phường Hàm Rồng", 105.785, 19.850), ("14797", "Phường Hạc Thành", 105.780, 19.810),
    ("14812", "Phường Bỉm Sơn", 105.860, 20.080), ("14818", "Phường Quang Trung", 105.885, 20.110),
    # Mường Lát
    ("14845", "Xã Mường Lát", 104.610, 20.520), ("14848", "Xã Tam Chung", 104.700, 20.560),
    ("14854", "Xã Mường Lý", 104.620, 20.400), ("14857", "Xã Trung Lý", 104.500, 20.480),
    ("14860", "Xã Quang Chiểu", 104.500, 20.400), ("14863", "Xã Pù Nhi", 104.720, 20.440),
    ("14864", "Xã Nhi Sơn", 104.800, 20.500), ("14866", "Xã Mường Chanh", 104.420, 20.450),
    # Quan Hóa
    ("14869", "Xã Hồi Xuân", 105.110, 20.370), ("14872", "Xã Trung Thành", 104.980, 20.480),
    ("14875", "Xã Trung Sơn", 104.880, 20.550), ("14878", "Xã Phú Lệ", 105.080, 20.490),
    ("14890", "Xã Phú Xuân", 105.140, 20.570), ("14896", "Xã Hiền Kiệt", 105.000, 20.300),
    ("14902", "Xã Nam Xuân", 105.160, 20.280), ("14908", "Xã Thiên Phủ", 105.030, 20.400),
    # Bá Thước
    ("14923", "Xã Bá Thước", 105.240, 20.340), ("14932", "Xã Điền Quang", 105.350, 20.240),
    ("14950", "Xã Điền Lư", 105.310, 20.290), ("14953", "Xã Quý Lương", 105.190, 20.270),
    ("14956", "Xã Pù Luông", 105.200, 20.460), ("14959", "Xã Cổ Lũng", 105.270, 20.420),
    ("14974", "Xã Văn Nho", 105.170, 20.370), ("14980", "Xã Thiết Ống", 105.350, 20.380),
    # Quan Sơn
    ("15001", "Xã Trung Hạ", 105.050, 20.210), ("15007", "Xã Tam Thanh", 104.900, 20.360),
    ("15010", "Xã Sơn Thủy", 104.940, 20.190), ("15013", "Xã Na Mèo", 104.970, 20.110),
    ("15016", "Xã Quan Sơn", 104.930, 20.250), ("15019", "Xã Tam Lư", 104.960, 20.310),
    ("15022", "Xã Sơn Điện", 104.850, 20.260), ("15025", "Xã Mường Mìn", 104.800, 20.300),
    # Lang Chánh
    ("15031", "Xã Yên Khương", 105.100, 20.140), ("15034", "Xã Yên Thắng", 105.140, 20.080),
    ("15043", "Xã Giao An", 105.250, 20.200), ("15049", "Xã Văn Phú", 105.200, 20.070),
    ("15055", "Xã Linh Sơn", 105.280, 20.120), ("15058", "Xã Đồng Lương", 105.300, 20.180),
    # Ngọc Lặc
    ("15061", "Xã Ngọc Lặc", 105.380, 20.080), ("15085", "Xã Thạch Lập", 105.320, 20.050),
    ("15091", "Xã Ngọc Liên", 105.430, 20.090), ("15106", "Xã Nguyệt Ấn", 105.350, 19.990),
    ("15112", "Xã Kiên Thọ", 105.450, 20.010), ("15124", "Xã Minh Sơn", 105.390, 20.160),
    # Cẩm Thủy
    ("15127", "Xã Cẩm Thủy", 105.470, 20.210), ("15142", "Xã Cẩm Thạch", 105.410, 20.270),
    ("15148", "Xã Cẩm Tú", 105.500, 20.290), ("15163", "Xã Cẩm Vân", 105.520, 20.130),
    ("15178", "Xã Cẩm Tân", 105.450, 20.150),
    # Thạch Thành
    ("15187", "Xã Kim Tân", 105.640, 20.130), ("15190", "Xã Vân Du", 105.600, 20.190),
    ("15199", "Xã Thạch Quảng", 105.580, 20.300), ("15211", "Xã Thạch Bình", 105.660, 20.230),
    ("15229", "Xã Thành Vinh", 105.700, 20.160), ("15250", "Xã Ngọc Trạo", 105.560, 20.100),
    # Hà Trung
    ("15271", "Xã Hà Trung", 105.830, 20.020), ("15274", "Xã Hà Long", 105.760, 20.120),
    ("15286", "Xã Hoạt Giang", 105.865, 19.995), ("15298", "Xã Lĩnh Toại", 105.800, 20.070),
    ("15316", "Xã Tống Sơn", 105.760, 20.040),
    # Vĩnh Lộc
    ("15349", "Xã Vĩnh Lộc", 105.640, 20.050), ("15361", "Xã Tây Đô", 105.600, 20.080),
    ("15382", "Xã Biện Thượng", 105.690, 20.060),
    # Yên Định
    ("15409", "Xã Yên Phú", 105.570, 20.030), ("15412", "Xã Quý Lộc", 105.600, 20.000),
    ("15421", "Xã Yên Trường", 105.635, 19.965), ("15442", "Xã Yên Ninh", 105.665, 19.950),
    ("15448", "Xã Định Hòa", 105.700, 19.955), ("15457", "Xã Định Tân", 105.720, 19.990),
    ("15469", "Xã Yên Định", 105.665, 19.990),
    # Thọ Xuân
    ("15499", "Xã Thọ Xuân", 105.530, 19.930), ("15505", "Xã Thọ Long", 105.500, 19.990),
    ("15520", "Xã Xuân Hòa", 105.580, 19.950), ("15544", "Xã Lam Sơn", 105.430, 19.920),
    ("15553", "Xã Sao Vàng", 105.470, 19.880), ("15568", "Xã Thọ Lập", 105.550, 19.880),
    ("15574", "Xã Xuân Tín", 105.600, 19.905), ("15592", "Xã Xuân Lập", 105.620, 19.930),
    # Thường Xuân
    ("15607", "Xã Bát Mọt", 105.040, 19.930), ("15610", "Xã Yên Nhân", 105.120, 20.000),
    ("15622", "Xã Vạn Xuân", 105.200, 19.940), ("15628", "Xã Lương Sơn", 105.300, 19.970),
    ("15634", "Xã Luận Thành", 105.380, 19.840), ("15643", "Xã Thắng Lộc", 105.300, 19.830),
    ("15646", "Xã Thường Xuân", 105.350, 19.900), ("15658", "Xã Xuân Chinh", 105.200, 19.840),
    ("15661", "Xã Tân Thành", 105.310, 19.765),
    # Triệu Sơn
    ("15664", "Xã Triệu Sơn", 105.600, 19.820), ("15667", "Xã Thọ Bình", 105.500, 19.830),
    ("15682", "Xã Hợp Tiến", 105.620, 19.870), ("15715", "Xã Tân Ninh", 105.580, 19.760),
    ("15724", "Xã Đồng Tiến", 105.660, 19.840), ("15754", "Xã Thọ Ngọc", 105.540, 19.800),
    ("15763", "Xã Thọ Phú", 105.560, 19.850), ("15766", "Xã An Nông", 105.670, 19.790),
    # Thiệu Hóa
    ("15772", "Xã Thiệu Hóa", 105.685, 19.895), ("15778", "Xã Thiệu Tiến", 105.690, 19.925),
    ("15796", "Xã Thiệu Quang", 105.720, 19.930), ("15820", "Xã Thiệu Toán", 105.645, 19.895),
    ("15835", "Xã Thiệu Trung", 105.710, 19.870), ("15853", "Phường Đông Tiến", 105.745, 19.855),
    # Hoằng Hóa
    ("15865", "Xã Hoằng Hóa", 105.850, 19.880), ("15880", "Xã Hoằng Giang", 105.780, 19.890),
    ("15889", "Xã Hoằng Phú", 105.820, 19.925), ("15910", "Xã Hoằng Sơn", 105.830, 19.955),
    ("15925", "Phường Nguyệt Viên", 105.815, 19.865), ("15961", "Xã Hoằng Lộc", 105.870, 19.915),
    ("15976", "Xã Hoằng Châu", 105.890, 19.830), ("15991", "Xã Hoằng Tiến", 105.925, 19.865),
    ("16000", "Xã Hoằng Thanh", 105.945, 19.895),
    # Hậu Lộc
    ("16012", "Xã Hậu Lộc", 105.915, 19.940), ("16021", "Xã Triệu Lộc", 105.860, 19.965),
    ("16033", "Xã Đông Thành", 105.895, 19.985), ("16072", "Xã Hoa Lộc", 105.975, 19.955),
    ("16078", "Xã Vạn Lộc", 105.955, 19.915),
    # Nga Sơn
    ("16093", "Xã Nga Sơn", 105.975, 20.020), ("16108", "Xã Tân Tiến", 105.920, 20.050),
    ("16114", "Xã Nga Thắng", 105.955, 20.070), ("16138", "Xã Hồ Vương", 106.000, 20.060),
    ("16144", "Xã Nga An", 106.030, 20.030), ("16171", "Xã Ba Đình", 105.940, 20.000),
    # Như Xuân
    ("16174", "Xã Như Xuân", 105.430, 19.620), ("16177", "Xã Xuân Bình", 105.360, 19.740),
    ("16186", "Xã Hóa Quỳ", 105.380, 19.670), ("16213", "Xã Thanh Phong", 105.440, 19.540),
    ("16222", "Xã Thanh Quân", 105.450, 19.470), ("16225", "Xã Thượng Ninh", 105.520, 19.450),
    # Như Thanh
    ("16228", "Xã Như Thanh", 105.580, 19.590), ("16234", "Xã Xuân Du", 105.600, 19.670),
    ("16249", "Xã Mậu Lâm", 105.550, 19.520), ("16258", "Xã Xuân Thái", 105.500, 19.640),
    ("16264", "Xã Yên Thọ", 105.640, 19.550), ("16273", "Xã Thanh Kỳ", 105.600, 19.450),
    # Nông Cống
    ("16279", "Xã Nông Cống", 105.680, 19.615), ("16297", "Xã Trung Chính", 105.640, 19.680),
    ("16309", "Xã Thắng Lợi", 105.700, 19.670), ("16342", "Xã Thăng Bình", 105.740, 19.640),
    ("16348", "Xã Trường Văn", 105.720, 19.580), ("16363", "Xã Tượng Lĩnh", 105.630, 19.600),
    ("16369", "Xã Công Chính", 105.680, 19.540),
    # Đông Sơn (now part of the city)
    ("16378", "Phường Đông Sơn", 105.720, 19.800), ("16417", "Phường Đông Quang", 105.740, 19.770),
    # Quảng Xương, Sầm Sơn
    ("16438", "Xã Lưu Vệ", 105.800, 19.700), ("16480", "Xã Quảng Yên", 105.760, 19.720),
    ("16489", "Xã Quảng Chính", 105.770, 19.665), ("16498", "Xã Quảng Ngọc", 105.800, 19.630),
    ("16516", "Phường Nam Sầm Sơn", 105.870, 19.710), ("16522", "Phường Quảng Phú", 105.840, 19.775),
    ("16531", "Phường Sầm Sơn", 105.895, 19.745), ("16540", "Xã Quảng Ninh", 105.840, 19.675),
    ("16543", "Xã Quảng Bình", 105.820, 19.590), ("16549", "Xã Tiên Trang", 105.845, 19.630),
    # Nghi Sơn (former Tĩnh Gia)
    ("16561", "Phường Tĩnh Gia", 105.770, 19.450), ("16576", "Phường Ngọc Sơn", 105.750, 19.500),
    ("16591", "Xã Các Sơn", 105.710, 19.480), ("16594", "Phường Tân Dân", 105.735, 19.380),
    ("16597", "Phường Hải Lĩnh", 105.800, 19.480), ("16609", "Phường Đào Duy Từ", 105.810, 19.550),
    ("16624", "Phường Trúc Lâm", 105.740, 19.420), ("16636", "Xã Trường Lâm", 105.700, 19.350),
    ("16645", "Phường Hải Bình", 105.790, 19.400), ("16654", "Phường Nghi Sơn", 105.780, 19.310),
)  # fmt: skip

# First commune code of each former district, its name and its landscape zone. The zone steers
# where wells (delta, coast), forest plots (mountain, midland) and reservoirs (hills) go.
DISTRICT_BLOCKS: tuple[tuple[str, str, str], ...] = (
    ("14758", "Thành phố Thanh Hóa", "urban"), ("14812", "Thị xã Bỉm Sơn", "urban"),
    ("14845", "Mường Lát", "mountain"), ("14869", "Quan Hóa", "mountain"), ("14923", "Bá Thước", "mountain"),
    ("15001", "Quan Sơn", "mountain"), ("15031", "Lang Chánh", "mountain"), ("15061", "Ngọc Lặc", "midland"),
    ("15127", "Cẩm Thủy", "midland"), ("15187", "Thạch Thành", "midland"), ("15271", "Hà Trung", "delta"),
    ("15349", "Vĩnh Lộc", "delta"), ("15409", "Yên Định", "delta"), ("15499", "Thọ Xuân", "delta"),
    ("15607", "Thường Xuân", "mountain"), ("15664", "Triệu Sơn", "delta"), ("15772", "Thiệu Hóa", "delta"),
    ("15865", "Hoằng Hóa", "coast"), ("16012", "Hậu Lộc", "coast"), ("16093", "Nga Sơn", "coast"),
    ("16174", "Như Xuân", "midland"), ("16228", "Như Thanh", "midland"), ("16279", "Nông Cống", "delta"),
    ("16378", "Đông Sơn", "urban"), ("16438", "Quảng Xương", "coast"), ("16561", "Nghi Sơn", "coast"),
)  # fmt: skip
_BLOCK_STARTS = [int(b[0]) for b in DISTRICT_BLOCKS]


@dataclass(frozen=True)
class Commune:
    """A commune-level unit of the sample: code, name, type, former district, zone and polygon."""

    code: str
    name: str
    unit_type: str
    district: str
    zone: str
    anchor: tuple[float, float]
    geom: MultiPolygon

    @property
    def short_name(self) -> str:
        """The name without its "Xã"/"Phường" prefix (e.g. "Pù Luông")."""
        return self.name.split(" ", 1)[1]


def district_of(code: str) -> tuple[str, str]:
    """The former district name and landscape zone of a commune code."""
    block = DISTRICT_BLOCKS[bisect.bisect_right(_BLOCK_STARTS, int(code)) - 1]
    return block[1], block[2]


def _helper_points(anchors: np.ndarray, rng: np.random.Generator, per: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Anchors plus jittered helpers around each; returns points and the commune index of each."""
    tree = shapely.STRtree(shapely.points(anchors))
    _, dist = tree.query_nearest(shapely.points(anchors), exclusive=True, return_distance=True, all_matches=False)
    pts, owner = [anchors], [np.arange(len(anchors))]
    for _ in range(per):
        # Helpers stay within 40% of the distance to the nearest other anchor, so each commune
        # stays in one piece while its borders bend.
        r = dist * rng.uniform(0.15, 0.4, len(anchors))
        a = rng.uniform(0, 2 * np.pi, len(anchors))
        pts.append(anchors + np.column_stack([r * np.cos(a), r * np.sin(a)]))
        owner.append(np.arange(len(anchors)))
    return np.vstack(pts), np.concatenate(owner)


@lru_cache(maxsize=1)
def build_communes() -> tuple[Commune, ...]:
    """The 166 communes, sorted by code, tiling the outline exactly."""
    outline = outline_polygon()
    anchors = np.array([(lon, lat) for _, _, lon, lat in COMMUNE_TABLE])
    points, owner = _helper_points(anchors, np.random.default_rng(GEOGRAPHY_SEED))
    frame = shapely.box(*outline.buffer(0.5).bounds)
    cells = list(shapely.voronoi_polygons(MultiPoint(points), extend_to=frame, ordered=True).geoms)
    out = []
    for i, (code, name, lon, lat) in enumerate(COMMUNE_TABLE):
        mine = shapely.union_all([cells[j] for j in np.flatnonzero(owner == i)], grid_size=GRID)
        geom = as_multipolygon(shapely.intersection(mine, outline, grid_size=GRID))
        district, zone = district_of(code)
        unit = "phuong" if name.startswith("Phường") else "xa"
        out.append(Commune(code, name, unit, district, zone, (lon, lat), geom))
    return tuple(sorted(out, key=lambda c: c.code))


@lru_cache(maxsize=1)
def province_geometry() -> MultiPolygon:
    """The province as the exact union of its communes (the outline with their border nodes)."""
    merged = shapely.union_all([c.geom for c in build_communes()], grid_size=GRID)
    # Sliver holes between cells, if snapping ever leaves any, are not real gaps: fill them.
    parts = [Polygon(p.exterior) for p in as_multipolygon(merged).geoms if p.area > 1e-8]
    return MultiPolygon(parts)


def commune_index() -> tuple[shapely.STRtree, tuple[Commune, ...]]:
    """An STRtree over commune polygons (same order as build_communes) for point lookups."""
    communes = build_communes()
    return shapely.STRtree([c.geom for c in communes]), communes


def communes_at(lon: np.ndarray, lat: np.ndarray) -> list[Commune | None]:
    """The commune containing each point (None outside the province)."""
    tree, communes = commune_index()
    pts = shapely.points(np.column_stack([lon, lat]))
    pt_idx, poly_idx = tree.query(pts, predicate="intersects")
    found: list[Commune | None] = [None] * len(pts)
    # Walk backwards so a point on a shared border gets the lowest code, deterministically.
    for p, c in zip(pt_idx[::-1], poly_idx[::-1], strict=True):
        found[p] = communes[c]
    return found
