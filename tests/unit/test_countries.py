import pytest

from etl import countries


def test_unknown_names_fail_loudly_and_say_which_table_to_extend():
    with pytest.raises(countries.UnknownCountry, match=r"etl/country_names/imf\.csv"):
        countries.to_iso3("Republic of Atlantis", "imf")


def test_english_names_fall_back_to_iso_names():
    assert countries.to_iso3("Italy", "en") == "ITA"
    assert countries.to_iso3("  italy ", "en") == "ITA"


def test_namibia_is_not_a_missing_value():
    # country_converter on pandas 3 reads Namibia's alpha-2 "NA" as NaN; ours must not.
    assert countries.alpha2_to_iso3("NA") == "NAM"


def test_aggregates_are_flagged_and_labelled():
    assert countries.is_aggregate("WLD")
    assert not countries.is_aggregate("ITA")
    assert countries.label("WLD") == "World"
    assert countries.label("RUS") == "Russia"
    assert countries.label("ITA") == "Italy"


def test_former_states_and_kosovo_are_known_codes():
    codes = countries.known_codes()
    assert {"SUN", "YUG", "XKX"} <= codes


def test_every_alias_table_maps_to_known_codes():
    from importlib import resources

    folder = resources.files("etl") / "country_names"
    families = [p.name[:-4] for p in folder.iterdir() if p.name.endswith(".csv")]
    for family in families:
        if family in ("aggregates", "comtrade_codes"):
            continue
        header = (folder / f"{family}.csv").read_text(encoding="utf-8").partition("\n")[0]
        if "name" not in header.split(","):
            continue  # an id table (e.g. oec_ids.csv), not names -> codes
        table = countries._alias_table(family)
        unknown = {code for code in table.values() if code not in countries.known_codes()}
        assert not unknown, f"{family}.csv maps to unknown codes {unknown}"


@pytest.mark.parametrize("name", ["Congo", "Korea", "Virgin Islands"])
def test_a_bare_name_of_two_countries_is_refused_unless_a_table_says_which(name):
    with pytest.raises(countries.UnknownCountry):
        countries.to_iso3(name, "en")
