"""Numeric ranges read left to right in right-to-left pages: the bidi algorithm would show
"120–127" as "127–120" in Arabic unless the range is isolated as LTR."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from fastapi.testclient import TestClient
from web_helpers import site_for

from aicap.web.app import create_app

RANGE = re.compile(r"(?<![\w.>-])-?\d[\d,.]*\s?–\s?-?\d[\d,.]*")


def numeric_cells(html: str) -> list[str]:
    """The inner HTML of the page's numeric cells: ``<td class="num">`` and the columns a
    table lists in ``data-num`` (``all``: every ``td``), as the style sheet aligns them."""
    doc = lxml.html.fromstring(html)
    cells = doc.xpath('//td[@class="num"]')
    for table in doc.xpath("//table[@data-num]"):
        cols = table.get("data-num").split()
        for row in table.xpath(".//tr"):
            for k, cell in enumerate(row, start=1):
                if cell.tag == "td" and ("all" in cols or str(k) in cols):
                    cells.append(cell)
    inner = [
        (c.text or "") + "".join(lxml.html.tostring(x, encoding="unicode") for x in c)
        for c in cells
    ]
    assert inner, "no numeric cell found"
    return inner


@pytest.fixture(scope="module")
def client(full_warehouse: Path) -> TestClient:
    return TestClient(create_app(site_for(full_warehouse)))


def _bare_ranges(html: str) -> list[str]:
    """Numeric ranges in the page's data (table cells) that are not inside an LTR isolate
    (ranges inside translated sentences are the translators' to write)."""
    # one cell at a time: a missing value's dash between two cells is not a range
    body = " | ".join(numeric_cells(html.split("<main", 1)[-1]))
    body = re.sub(r"<script.*?</script>", "", body, flags=re.S)
    body = re.sub(r'<bdi dir="ltr">.*?</bdi>', "", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    return RANGE.findall(text)


@pytest.mark.parametrize(
    "path",
    ["/ar/country/KEN", "/ar/methodology", "/ar/monitor", "/ar/monitor/concentration"],
)
def test_ranges_are_isolated_left_to_right(client: TestClient, path: str) -> None:
    res = client.get(path, follow_redirects=True)
    assert res.status_code == 200
    assert 'dir="rtl"' in res.text
    assert '<bdi dir="ltr">' in res.text
    assert _bare_ranges(res.text) == []


def test_the_rank_band_of_kenya_reads_low_to_high(client: TestClient) -> None:
    res = client.get("/ar/country/KEN")
    bands = re.findall(r'<bdi dir="ltr">(\d+)–(\d+)</bdi>', res.text)
    assert bands and all(int(a) <= int(b) for a, b in bands)
