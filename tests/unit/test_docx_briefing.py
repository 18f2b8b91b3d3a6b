"""Issue 14: the briefing as a Word document: the KAZ–ITA sentences with numbered source
markers, the charts as images with captions, and the numbered sources."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from docx import Document

from dashboard import export
from dashboard.data import CleanData, Store
from dashboard.docx_briefing import Chart, briefing_docx
from dashboard.layout import state_from_query

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def data(clean_dir: Path) -> CleanData:
    return Store(clean_dir).get()


@pytest.fixture(scope="module")
def document(data: CleanData, tmp_path_factory: pytest.TempPathFactory) -> Document:
    if export.find_browser() is None:
        pytest.skip("no Chromium for kaleido: the charts cannot be rendered")
    out = tmp_path_factory.mktemp("docx")
    path = export.export_docx(data.clean, out, "KAZ", "ITA", log=lambda _: None)
    assert path.name == "briefing_KAZ-ITA.docx"
    return Document(str(path))


def tiny_png() -> bytes:
    """A valid 1x1 white PNG."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def texts(doc: Document) -> list[str]:
    return [p.text for p in doc.paragraphs]


def test_kaz_ita_sentences_with_numbered_source_markers(document: Document) -> None:
    paras = texts(document)
    assert paras[0] == "Briefing: Kazakhstan – Italy"
    rank = next(p for p in paras if p.startswith("Italy is Kazakhstan's 3rd largest"))
    assert "11.5% of turnover in 2023" in rank
    turnover = next(p for p in paras if "trade turnover was USD 16.1 bn in 2023" in p)
    # the sentence ends with its superscript note number(s)
    para = next(p for p in document.paragraphs if p.text == turnover)
    assert para.runs[-1].font.superscript and para.runs[-1].text[0].isdigit()


def test_at_least_three_charts_with_captions(document: Document) -> None:
    assert len(document.inline_shapes) >= 3
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert len(captions) == len(document.inline_shapes)
    assert captions[0].startswith("Figure 1. Kazakhstan–Italy trade turnover")
    assert "data to Dec 2023" in captions[0]


def test_sources_list_numbers_every_marker(document: Document) -> None:
    paras = document.paragraphs
    start = next(i for i, p in enumerate(paras) if p.text == "Sources")
    notes = paras[start + 1 :]
    assert [p.runs[0].text for p in notes] == [str(n) for n in range(1, len(notes) + 1)]
    assert all(p.runs[0].font.superscript for p in notes)
    assert "Bureau of National Statistics" in notes[0].text
    used = {
        n for p in paras[:start] for r in p.runs if r.font.superscript for n in r.text.split(",")
    }
    assert used == {str(n) for n in range(1, len(notes) + 1)}


def test_document_without_charts_still_opens(data: CleanData) -> None:
    state = state_from_query("briefing", data, {"reporter": "KAZ", "partner": "ITA"})
    png = tiny_png()
    raw = briefing_docx(data, state, [Chart(png, "A chart", "BNS · data to Dec 2023")])
    doc = Document(io.BytesIO(raw))
    assert len(doc.inline_shapes) == 1
    assert any(
        p.text == "Figure 1. A chart Source: BNS · data to Dec 2023." for p in doc.paragraphs
    )
