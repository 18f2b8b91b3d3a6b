"""The Russian (BNS) country-name table etl/country_names/ru.csv."""

from __future__ import annotations

import csv
import re
from importlib import resources

import pytest

from etl import countries
from etl.sources import bns_trade_by_country as bns
from tests.conftest import source_folder


def table_rows() -> list[dict[str, str]]:
    path = resources.files("etl") / "country_names" / "ru.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_table_has_name_and_iso3_columns_and_rows() -> None:
    rows = table_rows()
    assert list(rows[0]) == ["name", "iso3"]
    assert len(rows) > 200


def test_every_row_maps_to_a_known_code() -> None:
    unknown = [r for r in table_rows() if r["iso3"] not in countries.known_codes()]
    assert unknown == []
    assert all(re.fullmatch(r"[A-Z]{3}", r["iso3"]) for r in table_rows())


def test_no_name_is_listed_twice_even_up_to_case_and_spacing() -> None:
    keys = [countries.normalise_name(r["name"]) for r in table_rows()]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    assert repeated == []


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Италия", "ITA"),
        ("Китай", "CHN"),
        ("Россия", "RUS"),
        ("Республика Корея", "KOR"),
        ("Корея, Народно-Демократическая Республика", "PRK"),
        ("Молдова, Республика", "MDA"),
        ("Уоллис И Футуна", "WLF"),
        ("Папуа-новая Гвинея", "PNG"),
        ("Папуа-Новая Гвинея", "PNG"),
        ("Конго", "COG"),
        ("Демократическая Республика Конго", "COD"),
        ("Нигер", "NER"),
        ("Нигерия", "NGA"),
        ("Тайвань (Китай)", "TWN"),
        ("Македония", "MKD"),
        ("Свазиленд", "SWZ"),
        ("Малые Тихоокеан.отдален.ост-ва С.Ш.", "UMI"),
        ("Французкие южные территории", "ATF"),
        ("Виргинские Острова, Сша", "VIR"),
        ("Виргинские Острова (Брит.)", "VGB"),
        ("  Страны вне ЕС", "XNU"),
    ],
)
def test_spot_checks(label: str, code: str) -> None:
    assert countries.to_iso3(label, "ru") == code


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("Всего", "WLD"),
        ("Всего\nв том числе", "WLD"),
        ("Страны СНГ", "XCS"),
        ("Страны ЕАЭС", "XEA"),
        ("Страны вне ЕАЭС", "XNE"),
        ("Остальные страны мира", "XRW"),
        ("Европа", "XEC"),
        ("Страны ЕС", "EUU"),
        ("Азия", "XAS"),
        ("Америка", "XAM"),
        ("Африка", "XAF"),
        ("Австралия и Океания", "XOC"),
    ],
)
def test_bns_aggregates_map_to_listed_aggregate_codes(label: str, code: str) -> None:
    assert bns.partner_code(label) == code
    assert countries.is_aggregate(code)


def test_australia_the_country_is_not_the_aggregate() -> None:
    assert countries.to_iso3("Австралия", "ru") == "AUS"
    assert not countries.is_aggregate("AUS")


def test_unknown_name_raises_and_says_which_table_to_extend() -> None:
    with pytest.raises(countries.UnknownCountry) as err:
        countries.to_iso3("Атлантида", "ru")
    message = str(err.value)
    assert "'Атлантида'" in message
    assert "etl/country_names/ru.csv" in message
    assert "ISO 3166 alpha-3" in message


@pytest.mark.shared_data
def test_every_label_in_every_bns_sheet_maps(shared_data) -> None:
    folder = source_folder(shared_data, bns.SOURCE)
    labels = {
        label for path in sorted(folder.glob("*.xls")) for label in bns.read(path)["partner_label"]
    }
    assert len(labels) > 250
    unmapped = []
    for label in sorted(labels):
        try:
            bns.partner_code(label)
        except countries.UnknownCountry:
            unmapped.append(label)
    assert unmapped == []
