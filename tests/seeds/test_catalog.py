"""The catalog against its sources: every excerpt is real, every reference resolves, nothing is missing."""

from __future__ import annotations

import re

from i5g import scenarios
from registry.seeding.schema import Catalog

# Enterprises (or organisations) the documents name that the catalog deliberately leaves out, with the reason;
# docs/catalog.md gives the same list. Each must really occur in its document.
LEFT_OUT: dict[str, tuple[str, str]] = {
    "橙色云互联网公司": ("003_7dba295776d228ab.txt", "cloud R&D service provider to the city; no 5G use"),
    "二一三": ("003_7dba295776d228ab.txt", "registered on the provincial cloud platform; no 5G use named"),
    "长控公司": ("003_7dba295776d228ab.txt", "low-voltage component informatisation project; 5G not mentioned"),
    "长开公司": ("003_7dba295776d228ab.txt", "identifier-resolution asset cloud platform; 5G not mentioned"),
    "天光公司": ("003_7dba295776d228ab.txt", "chip design award; 5G not mentioned"),
    "市电信": ("003_7dba295776d228ab.txt", "operator, nominated for a provincial cloud platform"),
    "甘谷移动": ("003_7dba295776d228ab.txt", "operator, nominated for a provincial cloud platform"),
    "移动公司、联通公司、铁塔公司": ("002_9d9c010e28f7871f.txt", "operators building base stations"),
    "四大运营商江苏公司": ("000_fcac08b365b41e48.txt", "operators (city strategic agreement, a city figure)"),
}


def test_catalog_has_every_kind(catalog: Catalog) -> None:
    counts = catalog.count()
    assert counts["documents"] == 5
    assert counts["use_cases"] >= 30 and counts["enterprises"] >= 20 and counts["figures"] >= 50


def test_documents_are_the_shared_sources(catalog: Catalog, source_texts: dict[str, str]) -> None:
    assert set(catalog.documents) == set(source_texts)


def test_every_excerpt_occurs_in_its_source(catalog: Catalog, source_texts: dict[str, str]) -> None:
    missing = [
        f"{kind} {key}: {excerpt!r} not in {source}"
        for kind, key, source, excerpt in catalog.excerpts()
        if excerpt not in source_texts[source]
    ]
    assert not missing, "\n".join(missing)


def test_every_use_case_names_its_enterprise_in_the_excerpts(catalog: Catalog) -> None:
    """The excerpt(s) of a use case must mention its enterprise (by name or alias), so the citation really
    supports who does it; `赛轮公司`/`辽宁振昌` style short forms are aliases."""
    problems = []
    for key, use_case in catalog.use_cases.items():
        enterprise = catalog.enterprises[use_case.enterprise]
        names = (enterprise.name, *enterprise.aliases)
        excerpts = (use_case.excerpt, *use_case.extra_excerpts)
        if not any(name in excerpt for name in names for excerpt in excerpts):
            problems.append(f"{key}: no excerpt mentions {names}")
    assert not problems, "\n".join(problems)


def test_every_enterprise_has_a_use_case_or_a_stated_role(catalog: Catalog) -> None:
    with_use_case = {u.enterprise for u in catalog.use_cases.values()}
    idle = [key for key, e in catalog.enterprises.items() if key not in with_use_case and not e.role]
    assert not idle


def test_scenario_keys_exist_and_inferred_ones_say_why(catalog: Catalog) -> None:
    for key, use_case in catalog.use_cases.items():
        assert use_case.scenario in scenarios.SCENARIOS, key
        if use_case.scenario_basis == "inferred":
            assert use_case.scenario_note, f"{key}: inferred scenario without a note"


def test_left_out_names_really_occur(source_texts: dict[str, str]) -> None:
    for name, (source, _reason) in LEFT_OUT.items():
        assert name in source_texts[source], name


def test_company_markers_are_all_accounted_for(catalog: Catalog, source_texts: dict[str, str]) -> None:
    """Sweep the documents for 'X公司 / X集团 / X有限公司' and check each named one is in the catalog (name or
    alias) or deliberately left out. Generic phrases (电信公司, 运营商江苏公司 ...) are excluded by the list."""
    known = {n for e in catalog.enterprises.values() for n in (e.name, *e.aliases)}
    generic = {"电信公司", "移动公司", "联通公司", "铁塔公司", "集团公司", "省公司"}
    pattern = re.compile(r"([\u4e00-\u9fff()（）]{2,14}?(?:有限公司|公司|集团))")
    unaccounted = set()
    for text in source_texts.values():
        for sentence in re.split(r"[，,。；;、：:\s]", text):
            for match in pattern.finditer(sentence):
                name = match.group(1)
                if any(name.endswith(g) for g in generic):
                    continue
                if any(k in name or name in k for k in known) or any(n in name for n in LEFT_OUT):
                    continue
                unaccounted.add(name)
    allowed_phrases = ("等公司", "上级公司")  # "...等公司" lists named companies; 上级公司 = operators' parents
    assert not {n for n in unaccounted if not n.endswith(allowed_phrases)}, sorted(unaccounted)
