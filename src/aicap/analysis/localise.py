"""Generated text in the six UN languages: catalogue look-up, locale formatting, country names.

aicap writes its sentences in English from wordings with placeholders (the claim wordings of
``catalogues/claims.yaml``, the reasons of :mod:`aicap.analysis.recommend`, the tier evidence of
:mod:`aicap.analysis.tiers`, the findings of the briefing). Their translations live in one
gettext domain, ``report``, beside the web interface's ``messages`` domain in
``src/aicap/web/locales/<lang>/LC_MESSAGES/``: the msgid of a generated sentence is its English
wording with ``{name}`` placeholders (``"below the peer median on {indicator}"``).

:class:`Localiser` turns an English sentence into the target language without touching the code
that wrote it: it finds the wording the sentence was written from (each msgid with placeholders
is compiled to a pattern), reads the values back out of it, localises each value (a number with
the locale's separators, a country with its official UN short name in that language, a catalogue
label with its translation, a nested sentence recursively) and fills the translated wording. A
sentence that no wording matches is reported by :meth:`Localiser.unmatched` (the tests fail on
it) and shown in English rather than guessed.

Country names are the UN's official short names from the country reference (UNTERM, columns
``name_<lang>`` of the warehouse's ``countries`` table); in running text the article that UNTERM
appends in parentheses (``"United States of America (the)"``, ``"Kenya (le)"``) is dropped, as UN
documents do in prose; other parentheses are part of the name and kept
(``"Bolivia (Plurinational State of)"``).
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.support import NullTranslations, Translations

LANGS = ("en", "fr", "es", "ru", "zh", "ar")
RTL = frozenset({"ar"})
DOMAIN = "report"
#: The locale folders (shared with the web interface's ``messages`` domain).
LOCALES = Path(__file__).resolve().parents[1] / "web" / "locales"
LANG_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "zh": "中文",
    "ar": "العربية",
}

#: Unicode isolates: left-to-right isolate and pop directional isolate.
LRI, PDI = "\u2066", "\u2069"

_ARTICLE = re.compile(r"\s*\((?:the|le|la|l'|l’|les|el|los|las)\)\s*$")
_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]*))?\}")
#: Placeholders whose values are themselves lists of clauses joined with "; ".
_FREE = frozenset({"lagging", "and_why", "why", "coverage_text"})
#: Placeholders of an optional clause that starts with "; " (or is empty).
_OPTIONAL = frozenset({"and_why", "coverage_text"})
#: Placeholders that always hold a number (a year, a number of points), read as one.
_NUMERIC = frozenset({"start", "end", "year", "points"})
#: Identifiers that stay as written (intervention ids, pillar codes, ISO codes, symbols).
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-/.#_]*(?: \(#\d+\))?$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")
_NUMBER = re.compile(r"^([+\-\u2212]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")


def prose_name(name: str) -> str:
    """A UNTERM short name as UN documents write it in running text: the article UNTERM
    appends in parentheses is dropped (``"Bahamas (the)"`` -> ``"Bahamas"``)."""
    return _ARTICLE.sub("", name).strip()


def country_names(rows: Iterable[Mapping[str, Any]], lang: str) -> dict[str, str]:
    """ISO3 -> the official short name in ``lang`` (prose form) from country-reference rows
    (``iso3``, ``name`` and ``name_<lang>``); a country without a name in ``lang`` keeps its
    English name (never an invented translation)."""
    out: dict[str, str] = {}
    for r in rows:
        iso = str(r.get("iso3", ""))
        local = r.get(f"name_{lang}")
        base = r.get("name_en") or r.get("name") or iso
        name = local if isinstance(local, str) and local.strip() else base
        out[iso] = prose_name(str(name))
    return out


def _compile(msgid: str) -> re.Pattern[str] | None:
    """A pattern that matches the English sentences written from ``msgid`` (None without
    placeholders)."""
    parts = []
    seen: set[str] = set()
    pos = 0
    found = False
    for m in _PLACEHOLDER.finditer(msgid):
        found = True
        parts.append(re.escape(" ".join(msgid[pos : m.start()].split(" "))))
        name = m.group(1)
        if name in seen:
            parts.append(f"(?P={name})")
        else:
            seen.add(name)
            spec = m.group(2) or ""
            if name in _OPTIONAL:  # an optional clause that starts with "; "
                parts.append(f"(?P<{name}>(?:; .+?)?)")
            elif name in _FREE:
                parts.append(f"(?P<{name}>.+?)")  # a list written with "; " inside
            elif spec.endswith(("f", "d")) or name in _NUMERIC:
                parts.append(rf"(?P<{name}>[+\-\u2212]?[\d,]*\d(?:\.\d+)?|nan)")
            else:
                parts.append(f"(?P<{name}>[^;]+?)")  # clauses are split at "; " first
        pos = m.end()
    if not found:
        return None
    parts.append(re.escape(msgid[pos:]))
    return re.compile("".join(parts) + r"\Z", re.S)


def _load(lang: str, domain: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    t = Translations.load(str(LOCALES), [lang], domain=domain)
    return t if isinstance(t, Translations) else NullTranslations()


@functools.cache
def catalogue_ids(domain: str = DOMAIN) -> tuple[str, ...]:
    """The msgids of ``domain`` (from the French catalogue, which every language mirrors)."""
    from babel.messages.pofile import read_po

    path = LOCALES / "fr" / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        return ()
    with path.open("rb") as fh:
        cat = read_po(fh)
    return tuple(str(m.id) for m in cat if m.id and isinstance(m.id, str))


@functools.cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for mid in catalogue_ids():
        p = _compile(mid)
        if p is not None:
            out.append((mid, p))
    # more literal text first: a specific wording wins over a general one
    out.sort(key=lambda t: -len(_PLACEHOLDER.sub("", t[0])))
    return tuple(out)


class Localiser:
    """Translate and format generated text for one language (``en`` included: its numbers
    and country names get the same treatment, its wordings stay as written)."""

    def __init__(self, lang: str, names: Mapping[str, str] | None = None) -> None:
        if lang not in LANGS:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
        self.lang = lang
        self.rtl = lang in RTL
        self._report = _load(lang, DOMAIN)
        self._web = _load(lang, "messages")
        #: English name (as written in the English text, any form) -> name in this language
        self.names: dict[str, str] = dict(names or {})
        self._missing: set[str] = set()
        self._cache: dict[str, tuple[str, frozenset[str]]] = {}

    # -------------------------------------------------------------- catalogue
    def lookup(self, msg: str) -> str | None:
        """The translation of ``msg`` in either domain (None when neither holds one)."""
        for t in (self._report, self._web):
            got = getattr(t, "_catalog", {}).get(msg)
            if isinstance(got, str) and got:
                return got
        return None

    def gettext(self, msg: str) -> str:
        if self.lang == "en" or not msg:
            return msg
        got = self.lookup(msg)
        if got is None:
            got = _folded(self.lang).get(msg.casefold())
        return got if got is not None else msg

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if self.lang == "en":
            return singular if n == 1 else plural
        got = self._report.ngettext(singular, plural, n)
        return got

    def known(self, msg: str) -> bool:
        """Whether ``msg`` is a msgid of either domain with a translation here."""
        return self.lang == "en" or self.lookup(msg) is not None

    def _label(self, msg: str) -> str | None:
        got = self.lookup(msg)
        if got is not None:
            return got
        cap = msg[:1].upper() + msg[1:]
        found = self.lookup(cap) or _folded(self.lang).get(msg.casefold())
        if found is not None:
            return found if self.lang in ("zh", "ar") else found[:1].lower() + found[1:]
        return self.names.get(msg)

    def label(self, msg: str) -> str:
        """A catalogue label, also when it is written in lower case in running text
        (``"connectivity and energy access"``); an unknown label is kept and recorded."""
        if not msg or self.lang == "en":
            return msg
        got = self._label(msg)
        if got is None:
            self._missing.add(msg)
            return msg
        return got

    def text(self, msg: str) -> str:
        """A label or a generated phrase: :meth:`label`, else the wording that reads it."""
        if not msg or (self.lang == "en" and not self.names):
            return msg
        got = self._label(msg) if self.lang != "en" else self.names.get(msg)
        if got is not None:
            return got
        return self.sentence(msg)

    # -------------------------------------------------------------- numbers
    def num(self, v: Any, nd: int = 1, sign: bool = False) -> str:
        """A number with ``nd`` decimals in the locale's form (``n/a`` translated for a
        missing value); ``sign``: an explicit ``+`` for positives."""
        try:
            f = float(v)
        except (TypeError, ValueError):
            return self.gettext("n/a") if v is None else str(v)
        if math.isnan(f):
            return self.gettext("n/a")
        # Python rounds as the English text does (the same figure in every language); the
        # locale gives the symbols (CLDR through Babel)
        body = f"{abs(f):,.{nd}f}"
        if self.lang == "es" and abs(f) < 10000:
            body = body.replace(",", "")  # CLDR: Spanish groups from five digits
        dec, grp = _symbols(self.lang)
        body = body.replace(",", "\0").replace(".", dec).replace("\0", grp)
        nonzero = body.strip("0" + dec + grp) != ""
        return ("-" if f < 0 and nonzero else "+" if sign and f > 0 and nonzero else "") + body

    def date(self, d: _dt.date) -> str:
        if self.lang == "en":
            return format_date(d, format="d MMMM y", locale="en")
        return format_date(d, format="long", locale=self.lang)

    def _number(self, s: str) -> str | None:
        m = _NUMBER.match(s.strip())
        if not m:
            return None
        if _YEAR.match(s.strip()):  # a year is written as it is, never "2 025"
            return s.strip()
        sign, whole, frac = m.groups()
        if not frac and "," not in whole and len(whole) >= 4:
            return s.strip()  # written without grouping: a year or a row number, kept as is
        v = float(whole.replace(",", "") + ("." + frac if frac else ""))
        if sign in ("-", "\u2212"):
            v = -v
        return self.num(v, len(frac or ""), sign=sign == "+")

    # -------------------------------------------------------------- sentences
    def value(self, s: str) -> str:
        """One value read out of a sentence, localised."""
        st = s.strip()
        if not st:
            return s
        n = self._number(st)
        if n is not None:
            return n
        if st in self.names:
            return self.names[st]
        if self.lang != "en":
            lab = self._label(st)
            if lab is not None:
                return lab
        if _CODE.match(st):  # an identifier ("CONN-01 (#7)"), never read as a sentence
            return st
        inner = self._clean(self._match, st)
        if inner is not None:
            return inner
        if st.startswith("; "):
            return self._sep("; ") + self.value(st[2:])
        for sep in ("; ", ", "):  # a list written by the code: each item on its own
            parts = _split_top(st, sep)
            if len(parts) > 1:
                got = self._clean(self._join_values, parts, sep)
                if got is not None:
                    return got
        inner = self._match(st)
        if inner is not None:
            return inner
        if self.lang != "en" and not _CODE.match(st):
            self._missing.add(st)
        return st

    def _match(self, text: str) -> str | None:
        """``text`` refilled from the first wording that reads it whole: one whose every
        value is itself known (a number, a name, a label, a nested sentence), else the first
        wording whose pattern matches at all."""
        first: str | None = None
        for mid, pat in _patterns():
            m = pat.match(text)
            if m is None:
                continue
            before = set(self._missing)
            fields = {k: self.value(v) for k, v in m.groupdict().items()}
            target = self.gettext(mid) if self.lang != "en" else mid
            got = _fill(target, fields)
            if self._missing <= before:
                return got
            new = self._missing - before
            self._missing -= new
            if first is None:
                first, first_new = got, new
        if first is not None:
            self._missing |= first_new
        return first

    def sentence(self, text: str) -> str:
        """``text`` (a generated English sentence) in this language; unmatched parts are kept
        in English and recorded (:meth:`unmatched`). Results are kept per sentence, with what
        they left unmatched (recorded again on reuse)."""
        if not text:
            return text
        if self.lang == "en":  # English keeps its wording: only the names take their prose form
            out = str(text)
            for old, new in self.names.items():
                if old != new and old.endswith(")") and old in out:
                    out = out.replace(old, new)
            return out
        hit = self._cache.get(text)
        if hit is not None:
            self._missing |= hit[1]
            return hit[0]
        before = set(self._missing)
        got = self._sentence(text)
        self._cache[text] = (got, frozenset(self._missing - before))
        return got

    def _sentence(self, text: str) -> str:
        t = " ".join(str(text).split())
        if self.lang != "en":
            exact = self.lookup(t)
            if exact is not None:
                return exact
        elif t in catalogue_ids():
            return t
        stop = ""
        if t.endswith(".") and not t.endswith(".."):  # the full stop of a composite sentence
            stop = "。" if self.lang == "zh" else "."
        for body, end in ((t, ""), (t[:-1], stop)) if stop else ((t, ""),):
            got = self._clean(self._whole, body)
            if got is not None:
                return got + end
        for body, end in ((t[:-1], stop), (t, "")) if stop else ((t, ""),):
            if "; " in body:  # clauses written one after the other, each on its own
                got = self._clean(self._join_sentences, body)
                if got is not None:
                    return got + end
        got = self._match(t)  # a reading with unknown values: kept, its gaps recorded
        if got is not None:
            return got
        if (self.lang != "en" or self.names) and t not in self.names:
            self._missing.add(t)
        return self.names.get(t, t)

    def _whole(self, body: str) -> str | None:
        # a catalogue entry for the whole text (in any case: "online service index (egdi
        # component)") wins over a wording that would read it in pieces ("{resource} ({unit})")
        if self.lang != "en":
            got = self._label(body)
            if got is not None:
                return got
        return self._match(body)

    def _join_values(self, parts: list[str], sep: str) -> str:
        return self._sep(sep).join(self.value(x) for x in parts)

    def _join_sentences(self, body: str) -> str:
        return self._sep("; ").join(self.sentence(p) for p in body.split("; "))

    def _clean(self, attempt: Callable[..., str | None], *args: Any) -> str | None:
        """``attempt(*args)`` when it succeeds without recording an unknown value, else None
        (and nothing recorded)."""
        before = set(self._missing)
        got = attempt(*args)
        if got is None or self._missing - before:
            self._missing.intersection_update(before)
            return None
        return got

    def _sep(self, sep: str) -> str:
        if self.lang == "zh":
            return {"; ": "；", ", ": "、"}.get(sep, sep)
        if self.lang == "ar":
            return {"; ": "؛ ", ", ": "، "}.get(sep, sep)
        if self.lang == "fr":
            return {"; ": "\u00a0; "}.get(sep, sep)
        return sep

    @property
    def colon(self) -> str:
        """The colon after a label, with the locale's spacing."""
        return {"fr": "\u00a0: ", "zh": "：", "ar": ": "}.get(self.lang, ": ")

    def join(self, items: Iterable[str], sep: str = ", ") -> str:
        return self._sep(sep).join(items)

    def unmatched(self) -> list[str]:
        return sorted(self._missing)


# ------------------------------------------------------------------ right to left
#: Latin letters (with their accented forms: "Español" is one run, not "Espa", "ñ", "ol"),
#: Cyrillic letters, digits and currency signs
_LTR = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0400-\u04ff$€£"
#: a parenthesised Latin-script group inside a run (one level of nesting, no right-to-left
#: letters): "Oracle me-jeddah-1 (Saudi Arabia West (Jeddah), SAU)" is one run
_NO_RTL = "[^()<>\u0590-\u08ff]*"
_GROUP = rf"\((?=[{_LTR}]){_NO_RTL}(?:\({_NO_RTL}\){_NO_RTL})*\)"
_RUN = re.compile(
    rf"[+\-\u2212]?[{_LTR}]"
    rf"(?:[{_LTR}%.,:/&'’\-–+_#=×\u00a0\u202f]|{_GROUP}"
    rf"|[ \u00a0](?=[+\-\u2212]?[{_LTR}%]|\((?=[{_LTR}])))*"
)
_SKIP = re.compile(r"(<(style|script|svg|code|bdi)\b.*?</\2>|<[^>]*>)", re.S | re.I)
#: left outside a run when it ends one: sentence punctuation, and the slash of a unit written
#: in Arabic after a number ("+0.1/سنة": the slash belongs between the number and the unit)
_TRAIL = ".,:;/"


def _wrap(text: str) -> str:
    def sub(m: re.Match[str]) -> str:
        run = m.group(0)
        tail = ""
        while run and run[-1] in _TRAIL:
            tail = run[-1] + tail
            run = run[:-1]
        return f"{LRI}{run}{PDI}{tail}" if run else tail

    return _RUN.sub(sub, text)


def isolate_ltr(html: str) -> str:
    """``html`` with every left-to-right run of its text (numbers, ranges, units, codes,
    Latin-script names) between LRI and PDI; markup, styles, SVG and ``<bdi>`` (already
    isolated) unchanged."""
    out: list[str] = []
    pos = 0
    for m in _SKIP.finditer(html):
        out.append(_wrap(html[pos : m.start()]))
        out.append(m.group(0))
        pos = m.end()
    out.append(_wrap(html[pos:]))
    return "".join(out)


def _split_top(text: str, sep: str) -> list[str]:
    """``text`` split at ``sep`` outside parentheses."""
    out, depth, start, i = [], 0, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and text.startswith(sep, i):
            out.append(text[start:i])
            start = i + len(sep)
            i = start
            continue
        i += 1
    out.append(text[start:])
    return out


@functools.cache
def _symbols(lang: str) -> tuple[str, str]:
    return get_decimal_symbol(lang), get_group_symbol(lang)


@functools.cache
def _folded(lang: str) -> dict[str, str]:
    """Case-folded msgid -> translation, for labels that generated text lower-cases."""
    out: dict[str, str] = {}
    for domain in ("messages", DOMAIN):
        t = _load(lang, domain)
        for k, v in getattr(t, "_catalog", {}).items():
            if isinstance(k, str) and isinstance(v, str) and v:
                out.setdefault(k.casefold(), v)
    return out


def _fill(template: str, fields: Mapping[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        return fields.get(m.group(1), m.group(0))

    return _PLACEHOLDER.sub(sub, template)


@functools.cache
def localiser(lang: str, names: tuple[tuple[str, str], ...] = ()) -> Localiser:
    return Localiser(lang, dict(names))


#: ``template`` with its ``{name}`` placeholders replaced by ``fields`` (others kept).
fill = _fill
