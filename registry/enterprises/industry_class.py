"""GB/T 4754-2017 国民经济行业分类 (Industrial classification for national economic activities), division
level (大类): the classification Chinese statistics use, so that "汽车及零部件" and "汽车零部件" group as one
industry. The document's own wording stays in `Enterprise.industry`; the division code is
`Enterprise.industry_code` (a section letter + the two-digit division, e.g. "C36").

Only the sections an industrial 5G registry meets are listed (B mining, C manufacturing, D utilities,
G transport and ports, I information services). Chinese names are the standard's; English names follow the
standard's ISIC Rev.4 correspondence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Division:
    code: str
    zh: str
    en: str

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def label(self, lang: str) -> str:
        return f"{self.code} {self.name(lang)}"


_TABLE = (
    ("B06", "煤炭开采和洗选业", "Mining and washing of coal"),
    ("B07", "石油和天然气开采业", "Extraction of petroleum and natural gas"),
    ("B08", "黑色金属矿采选业", "Mining and processing of ferrous metal ores"),
    ("B09", "有色金属矿采选业", "Mining and processing of non-ferrous metal ores"),
    ("B10", "非金属矿采选业", "Mining and processing of non-metal ores"),
    ("B11", "开采专业及辅助性活动", "Mining support activities"),
    ("B12", "其他采矿业", "Other mining"),
    ("C13", "农副食品加工业", "Processing of food from agricultural products"),
    ("C14", "食品制造业", "Manufacture of foods"),
    ("C15", "酒、饮料和精制茶制造业", "Manufacture of liquor, beverages and refined tea"),
    ("C16", "烟草制品业", "Manufacture of tobacco"),
    ("C17", "纺织业", "Manufacture of textiles"),
    ("C18", "纺织服装、服饰业", "Manufacture of textile wearing apparel and accessories"),
    ("C19", "皮革、毛皮、羽毛及其制品和制鞋业", "Manufacture of leather, fur, feather products and footwear"),
    (
        "C20",
        "木材加工和木、竹、藤、棕、草制品业",
        "Processing of timber; wood, bamboo, rattan, palm and straw products",
    ),
    ("C21", "家具制造业", "Manufacture of furniture"),
    ("C22", "造纸和纸制品业", "Manufacture of paper and paper products"),
    ("C23", "印刷和记录媒介复制业", "Printing and reproduction of recording media"),
    (
        "C24",
        "文教、工美、体育和娱乐用品制造业",
        "Manufacture of articles for culture, education, arts, sport and entertainment",
    ),
    ("C25", "石油、煤炭及其他燃料加工业", "Processing of petroleum, coal and other fuels"),
    ("C26", "化学原料和化学制品制造业", "Manufacture of raw chemical materials and chemical products"),
    ("C27", "医药制造业", "Manufacture of medicines"),
    ("C28", "化学纤维制造业", "Manufacture of chemical fibres"),
    ("C29", "橡胶和塑料制品业", "Manufacture of rubber and plastics products"),
    ("C30", "非金属矿物制品业", "Manufacture of non-metallic mineral products"),
    ("C31", "黑色金属冶炼和压延加工业", "Smelting and pressing of ferrous metals"),
    ("C32", "有色金属冶炼和压延加工业", "Smelting and pressing of non-ferrous metals"),
    ("C33", "金属制品业", "Manufacture of metal products"),
    ("C34", "通用设备制造业", "Manufacture of general-purpose machinery"),
    ("C35", "专用设备制造业", "Manufacture of special-purpose machinery"),
    ("C36", "汽车制造业", "Manufacture of automobiles"),
    (
        "C37",
        "铁路、船舶、航空航天和其他运输设备制造业",
        "Manufacture of railway, ship, aerospace and other transport equipment",
    ),
    ("C38", "电气机械和器材制造业", "Manufacture of electrical machinery and apparatus"),
    (
        "C39",
        "计算机、通信和其他电子设备制造业",
        "Manufacture of computers, communication and other electronic equipment",
    ),
    ("C40", "仪器仪表制造业", "Manufacture of measuring instruments and meters"),
    ("C41", "其他制造业", "Other manufacturing"),
    ("C42", "废弃资源综合利用业", "Utilisation of waste resources"),
    ("C43", "金属制品、机械和设备修理业", "Repair of metal products, machinery and equipment"),
    ("D44", "电力、热力生产和供应业", "Production and supply of electric power and heat"),
    ("D45", "燃气生产和供应业", "Production and supply of gas"),
    ("D46", "水的生产和供应业", "Production and supply of water"),
    ("G53", "铁路运输业", "Rail transport"),
    ("G54", "道路运输业", "Road transport"),
    ("G55", "水上运输业", "Water transport"),
    ("G56", "航空运输业", "Air transport"),
    ("G57", "管道运输业", "Pipeline transport"),
    ("G58", "多式联运和运输代理业", "Multimodal transport and transport agency"),
    ("G59", "装卸搬运和仓储业", "Loading, unloading and warehousing"),
    ("G60", "邮政业", "Postal services"),
    ("I63", "电信、广播电视和卫星传输服务", "Telecommunications, broadcasting and satellite transmission services"),
    ("I64", "互联网和相关服务", "Internet and related services"),
    ("I65", "软件和信息技术服务业", "Software and information technology services"),
)

DIVISIONS: dict[str, Division] = {code: Division(code, zh, en) for code, zh, en in _TABLE}

# Wordings the seeded documents (and common usage) give for an industry, each with the one division it
# belongs to. Used only to fill the code when a caller sends the wording alone; wordings that span several
# divisions (装备制造: general or special-purpose machinery) are left out on purpose and need a code.
WORDING: dict[str, str] = {
    "钢铁": "C31",
    "汽车": "C36",
    "汽车零部件": "C36",
    "汽车及零部件": "C36",
    "纺织": "C17",
    "医药": "C27",
    "电子设备制造": "C39",
    "电子信息": "C39",
    "轨道交通装备": "C37",
    "轴承制造": "C34",
    "电气设备": "C38",
    "软件和信息技术服务": "I65",
    "食品饮料": "C15",
    "家电": "C38",
}


def get(code: str | None) -> Division | None:
    return DIVISIONS.get(code) if code else None


def code_problem(code: str) -> str | None:
    if code not in DIVISIONS:
        return f"not a GB/T 4754-2017 division code known here (e.g. C36); known: {', '.join(DIVISIONS)}"
    return None


def code_for_wording(wording: str | None) -> str | None:
    return WORDING.get(wording.strip()) if wording else None


def options(lang: str, codes: list[str] | None = None) -> list[tuple[str, str]]:
    """(code, "C36 汽车制造业") pairs for a menu: all divisions, or only the given ones, in code order."""
    chosen = DIVISIONS if codes is None else {c: DIVISIONS[c] for c in sorted(codes) if c in DIVISIONS}
    return [(code, division.label(lang)) for code, division in chosen.items()]
