"""Country names and codes -> ISO 3166 alpha-3, with aggregates kept and flagged.

Each naming family (BNS Russian labels, IMF names, Comext labels, ...) has its own alias table in
`etl/country_names/<family>.csv` (`name,iso3`); English families fall back to pycountry's exact
names. Aggregate codes (WLD, EUU, XCS, ...) are listed in `aggregates.csv`. A name that maps to
nothing raises `UnknownCountry`: a silent wrong partner would corrupt every share.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib import resources

import pycountry

ENGLISH_FAMILIES = {"imf", "comext", "schengen", "us_state", "unctad", "wiiw", "comtrade", "en"}

# Short names users expect in charts; pycountry's official names are long ("Korea, Republic of").
SHORT_NAMES = {
    "RUS": "Russia",
    "KOR": "South Korea",
    "PRK": "North Korea",
    "IRN": "Iran",
    "SYR": "Syria",
    "VNM": "Vietnam",
    "LAO": "Laos",
    "MDA": "Moldova",
    "TZA": "Tanzania",
    "VEN": "Venezuela",
    "BOL": "Bolivia",
    "TWN": "Taiwan",
    "CZE": "Czechia",
    "GBR": "United Kingdom",
    "USA": "United States",
    "TUR": "Türkiye",
    "COD": "DR Congo",
    "COG": "Congo",
    "MKD": "North Macedonia",
    "PSE": "Palestine",
    "FSM": "Micronesia",
    "BRN": "Brunei",
    "CPV": "Cabo Verde",
    "VAT": "Holy See",
    "HKG": "Hong Kong",
    "MAC": "Macao",
    "CHN": "China",
    "XKX": "Kosovo",
}


# Bare names that stand for two countries: pycountry would pick one silently ("Congo" is the
# Republic of the Congo to ISO, but often means DR Congo in prose). Only an alias table that
# states which one a source means may map them.
AMBIGUOUS = frozenset({"congo", "korea", "virgin islands"})


class UnknownCountry(KeyError):
    """A country or area name that no table maps; the message says which table to extend."""

    def __init__(self, name: str, family: str) -> None:
        self.name = name
        self.family = family
        super().__init__(
            f"unknown country or area name {name!r} (naming family {family!r}): "
            f"add it to etl/country_names/{family}.csv with its ISO 3166 alpha-3 code"
        )


def normalise_name(name: str) -> str:
    """Case-, space- and accent-insensitive key; keeps Cyrillic letters as they are."""
    text = unicodedata.normalize("NFKC", str(name)).replace("\xa0", " ").replace("ё", "е")
    text = text.replace("Ё", "Е")
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text


@cache
def aggregates() -> dict[str, str]:
    """Aggregate code -> English label."""
    path = resources.files("etl") / "country_names" / "aggregates.csv"
    with path.open(encoding="utf-8") as fh:
        return {row["code"]: row["label_en"] for row in csv.DictReader(fh)}


@cache
def _alias_table(family: str) -> dict[str, str]:
    path = resources.files("etl") / "country_names" / f"{family}.csv"
    if not path.is_file():
        return {}
    table: dict[str, str] = {}
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = normalise_name(row["name"])
            code = row["iso3"].strip().upper()
            if key in table and table[key] != code:
                raise ValueError(f"{path}: {row['name']!r} mapped twice ({table[key]}, {code})")
            table[key] = code
    return table


@cache
def _pycountry_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(c, attr, None)
            if value:
                names.setdefault(normalise_name(value), c.alpha_3)
    return names


@cache
def known_codes() -> frozenset[str]:
    """Every code a clean frame may hold: current and former ISO countries plus aggregates."""
    current = {c.alpha_3 for c in pycountry.countries}
    former = {c.alpha_3 for c in pycountry.historic_countries}
    # Kosovo has no ISO code; XKX is the code the EU, IMF and World Bank use.
    return frozenset(current | former | set(aggregates()) | {"XKX"})


def is_aggregate(code: str) -> bool:
    return code in aggregates()


def to_iso3(name: str, family: str) -> str:
    """Map one source label to an ISO alpha-3 or aggregate code, or raise UnknownCountry."""
    key = normalise_name(name)
    code = _alias_table(family).get(key)
    if code is None and family in ENGLISH_FAMILIES and key not in AMBIGUOUS:
        code = _pycountry_names().get(key)
    if code is None:
        raise UnknownCountry(name, family)
    if code not in known_codes():
        raise ValueError(f"etl/country_names/{family}.csv maps {name!r} to unknown code {code!r}")
    return code


def alpha2_to_iso3(code: str) -> str:
    """ISO alpha-2 (as in wiiw's Partner-Code) -> alpha-3; raises UnknownCountry."""
    hit = pycountry.countries.get(alpha_2=code.strip().upper())
    if hit is None:
        hit = pycountry.historic_countries.get(alpha_2=code.strip().upper())
    if hit is None:
        raise UnknownCountry(code, "alpha-2 code")
    return hit.alpha_3


def label(code: str) -> str:
    """Short English display name for a code ('ITA' -> 'Italy', 'WLD' -> 'World')."""
    if code in SHORT_NAMES:
        return SHORT_NAMES[code]
    aggs = aggregates()
    if code in aggs:
        return aggs[code]
    hit = pycountry.countries.get(alpha_3=code) or pycountry.historic_countries.get(alpha_3=code)
    if hit is None:
        return code
    return getattr(hit, "common_name", None) or hit.name
