"""HTML rendering shared by the live app and the static export: one Jinja2 environment per
language (Babel translations installed), and :class:`Linker`, which writes every link either as
a server path (``/fr/country/KEN``) or as a relative file path (``../country/KEN.html``) so
that an exported site opens from disk."""

from __future__ import annotations

import hashlib
import json
import math
import posixpath
import re
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from jinja2 import BytecodeCache, Environment, FileSystemLoader, select_autoescape
from jinja2.bccache import Bucket
from markupsafe import Markup

from aicap.analysis.localise import localiser, prose_name
from aicap.web import i18n, svgcharts, timeline
from aicap.web.data import SiteData

TEMPLATES = Path(__file__).with_name("templates")
PAGES = {
    "home": "",
    "ranking": "ranking",
    "country": "country/{iso3}",
    "divide": "divide",
    "indicators": "indicators",
    "indicator": "indicator/{code}",
    "methodology": "methodology",
    "whatif": "what-if",
    "search": "search",
    "compare": "compare",
    "texts": "texts-cited",  # the export only: the texts its profiles cite, each once
    "monitor": "monitor",
    "monitor_concentration": "monitor/concentration",
    "monitor_access": "monitor/access",
    "monitor_governance": "monitor/governance",
    "monitor_country": "monitor/governance/{iso3}",
    "monitor_incidents": "monitor/incidents",
}


class Linker:
    """Links from one page, in one language, for the server or the static export."""

    def __init__(self, lang: str, static: bool, current: str = "", twin: str = "") -> None:
        self.lang = lang
        self.static = static
        self.current = current  # static: the page's file path, e.g. "fr/country/KEN.html"
        self.twin = twin  # the page's JSON twin under /api/, e.g. "country/KEN"

    def _rel(self, target: str) -> str:
        return _relative(target, posixpath.dirname(self.current) or ".")

    def page(self, name: str, lang: str | None = None, **kw: str) -> str:
        lang = lang or self.lang
        path = PAGES[name].format(**{k: quote(v) for k, v in kw.items() if k in ("iso3", "code")})
        query = {k: v for k, v in kw.items() if k not in ("iso3", "code") and v}
        prefix = "" if lang == "en" else f"{lang}/"
        if self.static:
            if name == "ranking" and query:
                (key, val), *_ = sorted(query.items())
                path = f"ranking/{key}-{val}"
            return self._rel(prefix + (path or "index") + ".html")
        url = "/" + prefix + path
        return url + ("?" + urlencode(sorted(query.items())) if query else "")

    def api(self, path: str) -> str:
        if self.static and path.startswith("claims/"):
            # the export writes no file per claim: a page's claims are in its JSON twin
            # (api/country/KEN.json holds the profile's), the others in api/claims.json
            home = self.twin.partition("?")[0] if self.twin else "claims"
            return self._rel(f"api/{home}.json") + "#" + quote(path.removeprefix("claims/"))
        if self.static:
            # a file name keeps its extension; a twin gets .json (claim ids hold dots:
            # "divide-answer.index.HIC.LDC.2018-2025" is a twin, not a file with an extension)
            known = path.endswith((".csv", ".json"))
            return self._rel("api/" + (path if known else path + ".json"))
        return "/api/" + path

    def asset(self, path: str) -> str:
        return self._rel("static/" + path) if self.static else "/static/" + path


@lru_cache(maxsize=65536)
def _relative(target: str, base: str) -> str:
    """``target`` relative to the folder ``base`` (an export writes ~50 links per page to a
    few hundred targets: computed once each)."""
    rel = posixpath.relpath(target, base)
    # relpath drops a trailing slash: "static/vendor/" must stay a folder prefix
    return rel + "/" if target.endswith("/") and not rel.endswith("/") else rel


@lru_cache(maxsize=16)
def _symbols(lang: str) -> tuple[str, str]:
    return str(get_decimal_symbol(lang)), str(get_group_symbol(lang))


def _format(v: int | float, lang: str, digits: int | None) -> str:
    """A number in ``lang``'s notation, as Babel's ``format_decimal`` writes it with the
    pattern ``#,##0`` (``digits`` ``None``: an integer) or ``#,##0.0…`` (``digits``
    decimals, rounded half to even on the number's shortest decimal form, as Babel does).
    Python's own formatting with the locale's two symbols: an export formats ~100,000
    numbers and Babel's pattern machinery took a tenth of its time.
    ``tests/web/test_web_fmt.py`` checks it against Babel in the six languages."""
    if isinstance(v, float) and (not math.isfinite(v) or abs(v) >= 1e15):
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return str(format_decimal(v, locale=lang, format=pattern))
    if digits is None:
        text = format(int(v), ",d")
    else:
        text = format(Decimal(repr(float(v))), f",.{digits}f")
    point, group = _symbols(lang)
    return text.replace(",", "\0").replace(".", point).replace("\0", group)


def _fmt(lang: str) -> Any:
    def fmt(v: Any, digits: int = 1) -> str:
        if v is None:
            return "–"
        if isinstance(v, int):
            return _format(v, lang, None)
        return _format(float(v), lang, digits)

    return fmt


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory and shared by the six languages' environments (their
    code is the same: translations are looked up when a page renders), so each template is
    compiled once, not once per language."""

    def __init__(self) -> None:
        self.codes: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.codes.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.codes[bucket.key] = bucket.bytecode_to_string()


class Renderer:
    def __init__(self, site: SiteData, static: bool = False, live_url: str | None = None) -> None:
        self.site = site
        self.static = static
        # the export: the live application's address, linked where a feature needs it
        self.live_url = live_url.rstrip("/") if live_url else None
        self.envs: dict[str, Environment] = {}
        shared = _SharedBytecode()
        for lang in i18n.LANGS:
            env = Environment(
                loader=FileSystemLoader(str(TEMPLATES)),
                bytecode_cache=shared,
                autoescape=select_autoescape(["html"]),
                extensions=["jinja2.ext.i18n"],
                trim_blocks=True,
                lstrip_blocks=True,
            )
            tr = i18n.translations(lang)
            env.install_gettext_translations(tr, newstyle=False)  # type: ignore[attr-defined]
            gettext = tr.gettext
            env.globals.update(
                lang=lang,
                langs=i18n.LANGS,
                lang_names=i18n.LANG_NAMES,
                dir="rtl" if lang in i18n.RTL else "ltr",
                fmt=_fmt(lang),
                tojson_script=_tojson_script,
                pillar_name=_labeller(gettext, i18n.PILLARS, site.pillar_name),
                group_name=_labeller(gettext, i18n.GROUPS, lambda c: c),
                tier_name=_labeller(gettext, i18n.TIERS, lambda c: ""),
                tier_statement=localiser(lang).sentence,  # a tier as stated (tier_statement)
                colon=localiser(lang).colon,  # after a label: "\u00a0: " in French, "：" in Chinese
                region_name=_labeller(gettext, i18n.REGIONS, lambda c: str(c)),
                income_name=_labeller(gettext, i18n.INCOME, lambda c: str(c or "")),
                special_name=_labeller(gettext, i18n.SPECIAL, lambda c: str(c)),
                status_name=_labeller(gettext, i18n.STATUS, lambda c: str(c)),
                resource_name=_labeller(gettext, i18n.RESOURCES, lambda c: str(c)),
                view_name=_labeller(gettext, i18n.VIEWS, lambda c: str(c)),
                variant_name=_labeller(gettext, i18n.VARIANTS, lambda c: str(c)),
                dimension_name=_labeller(gettext, i18n.DIMENSIONS, lambda c: str(c)),
                class_name=_labeller(gettext, i18n.CLASSES, lambda c: str(c)),
                gap_name=_labeller(gettext, i18n.GAP_STATUSES, lambda c: str(c)),
                risk_name=_labeller(gettext, i18n.RISKS, lambda c: str(c)),
                relative_name=_labeller(gettext, i18n.RELATIVE, lambda c: str(c)),
                verdict_name=_labeller(gettext, i18n.VERDICTS, lambda c: str(c)),
                index_year=site.year,
                static=static,
                live_url=self.live_url,
                http_url=http_url,
                text_anchor=text_anchor,
                chart_svg=svgcharts.inline,
                indicator_map=lambda data: timeline.indicator_map(site, data),
                site_notes=site.notes,
            )
            self.envs[lang] = env

    def render(
        self,
        template: str,
        lang: str,
        ctx: Mapping[str, Any],
        current: str = "",
        twin: str = "",
        **extra: Any,
    ) -> str:
        env = self.envs[lang]
        link = Linker(lang, self.static, current, twin)
        return env.get_template(template).render(
            L=link,
            d=ctx,
            name=lambda names: prose_name(names.get(lang) or names["en"]),
            iso_name=lambda iso3: _iso_name(self.site, iso3, lang),
            **extra,
        )


def _iso_name(site: SiteData, iso3: str, lang: str) -> str:
    """A Member State's name in ``lang`` from its ISO code (a peer list holds codes only)."""
    c = site.countries.get(iso3)
    return prose_name(c.names.get(lang) or c.names["en"]) if c is not None else iso3


def http_url(value: Any) -> str | None:
    """``value`` if it is a valid absolute http(s) URL, else ``None``: free-text source fields
    (GIRAI's "link" holds reviewers' notes such as "REVIEWER: N/ A - Direct Download") are
    shown as text, never used as a link address."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or any(c.isspace() for c in text) or any(c in text for c in '<>"\\'):
        return None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or "." not in host or host.startswith("."):
        return None
    return text


def text_anchor(ref: str, excerpt: str) -> str:
    """The anchor of a cited text on the export's ``texts-cited`` page: its reference made
    safe for an id, and a short hash of the excerpt (two excerpts of one reference differ)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ref).strip("-")
    return f"{slug}-{hashlib.sha256(excerpt.encode()).hexdigest()[:8]}"


def _labeller(gettext: Any, table: Mapping[Any, str], fallback: Any) -> Any:
    def label(code: Any) -> str:
        msg = table.get(code)
        return str(gettext(msg)) if msg else str(fallback(code))

    return label


def _tojson_script(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">`` block (``</`` escaped)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("</", "<\\/"))
