"""Message catalogues: every template and code string is in every catalogue, translated, and
the compiled .mo files match the .po files; data labels match the framework."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from aicap.analysis.spec import IndexSpec, default_framework_path
from aicap.web import i18n
from aicap.web.render import _fmt

WEB = Path(i18n.__file__).parent
METHODS = [
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]


def extracted() -> set[str]:
    opts = {"**/templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    return {
        msg if isinstance(msg, str) else msg[0]
        for _f, _l, msg, _c, _ctx in extract_from_dir(
            str(WEB), METHODS, options_map=opts, keywords=keywords
        )
    }


def test_babel_cfg_names_the_same_extractors() -> None:
    text = (WEB / "babel.cfg").read_text()
    assert "[python: **.py]" in text and "[jinja2: **/templates/**.html]" in text


@pytest.mark.parametrize("lang", [lg for lg in i18n.LANGS if lg != "en"])
def test_every_string_is_in_the_catalogue(lang: str) -> None:
    strings = extracted()
    assert len(strings) > 150
    po_path = WEB / "locales" / lang / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        po = read_po(f)
    missing = sorted(s for s in strings if s not in po or not po[s].string)
    assert missing == [], f"{lang}: untranslated or missing: {missing}"
    with (po_path.with_suffix(".mo")).open("rb") as f:
        mo = read_mo(f)
    assert {m.id: m.string for m in po if m.id} == {m.id: m.string for m in mo if m.id}


def test_missing_strings_fall_back_to_english() -> None:
    tr = i18n.translations("fr")
    assert tr.gettext("Ranking") == "Classement"
    assert tr.gettext("A string nobody translated") == "A string nobody translated"


def test_the_checker_catches_a_new_string(tmp_path: Path) -> None:
    po_path = WEB / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as f:
        po = read_po(f)
    assert "A brand new template string" not in po


def test_labels_match_the_framework() -> None:
    spec = IndexSpec.load(default_framework_path())
    assert {p.code: p.name for p in spec.pillars} == i18n.PILLARS
    assert {g.code: g.name for g in spec.groups} == i18n.GROUPS
    assert {t.tier: t.name for t in spec.tiers.tiers if t.name} == i18n.TIERS


def test_numbers_follow_the_language() -> None:
    assert _fmt("fr")(1234.5) == "1\u202f234,5"
    assert _fmt("en")(1234.5) == "1,234.5"
    assert _fmt("en")(None) == "–"
