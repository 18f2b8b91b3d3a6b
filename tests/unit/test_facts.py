from pathlib import Path

import pytest

from etl import facts, paths
from etl.errors import InputError


def test_every_release_figure_is_transcribed_with_its_citation():
    frame = facts.load(paths.facts_file())
    assert len(frame) == 12  # every figure of the seed press release
    share = frame.set_index("fact_id").loc["kaz-ita-share-2023"]
    assert share["value"] == pytest.approx(0.144)
    assert share["publisher"].startswith("Ministry of Foreign Affairs")
    assert str(share["period_start"].date()) == "2023-01-01"
    ytd = frame.set_index("fact_id").loc["kaz-ita-turnover-2024-jan-apr"]
    assert (ytd["basis"], str(ytd["period_end"].date())) == ("ytd", "2024-04-30")
    assert ytd["value"] == 6.4e9


def test_a_bad_facts_file_names_the_fact_and_field(tmp_path: Path):
    bad = tmp_path / "facts.yaml"
    bad.write_text(
        "documents: {d: {publisher: P, document: D, published: 2024-01-01}}\n"
        "facts:\n"
        "  - {id: x, document: d, statement: s, topic: trade, measure: value, reporter: KAZ,\n"
        "     partner: ITA, basis: ytd, period: '2024-13', value_as_stated: '1', value: 1,\n"
        "     unit: USD, qualifier: exact, attributed_to: a}\n"
        "  - {id: y, document: nope}\n"
    )
    with pytest.raises(InputError) as info:
        facts.load(bad)
    text = str(info.value)
    assert "fact #1 (x)" in text and "period" in text
    assert "fact #2 (y)" in text and "required field" in text


def test_period_parsing():
    assert facts.parse_period("cumulative", "2005..2023")[1].year == 2023
    with pytest.raises(ValueError):
        facts.parse_period("year", "2023-04")
