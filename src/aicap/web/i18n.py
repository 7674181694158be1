"""Six UN languages: Babel message catalogues, one Jinja2 environment per language, and the
translated labels of data codes (pillars, tiers, regions, income groups).

Catalogues live in ``locales/<lang>/LC_MESSAGES/messages.po`` (compiled ``.mo`` beside them);
``babel.cfg`` tells ``pybabel extract`` where the strings are. A string missing from a catalogue
falls back to English (gettext's behaviour with ``fallback=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from babel.support import NullTranslations, Translations

LANGS = ("en", "fr", "es", "ru", "zh", "ar")
LANG_NAMES = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "zh": "中文",
    "ar": "العربية",
}
RTL = frozenset({"ar"})
LOCALES = Path(__file__).with_name("locales")


def N_(message: str) -> str:  # noqa: N802 - the gettext marker convention
    """Mark a string for extraction without translating it now."""
    return message


#: Labels of data codes, translated at render time (the framework YAML is in English; a code
#: missing here shows the YAML's English name).
PILLARS = {
    "CONN": N_("Connectivity and energy access"),
    "INFRA": N_("Digital and compute infrastructure"),
    "DATA": N_("Data"),
    "SKILLS": N_("Skills and human capital"),
    "RESEARCH": N_("Research and innovation"),
    "GOV": N_("Governance and institutions"),
    "ECON": N_("Economy and adoption"),
}
GROUPS = {"FOUND": N_("AI foundations"), "ENABL": N_("AI enablers")}
TIERS = {  # A/79/966 names only three of the five tiers; tiers 2 and 3 are numbered only
    0: N_("AI nascent"),
    1: N_("AI experimenters"),
    4: N_("AI developers"),
}
REGIONS = {
    "Africa": N_("Africa"),
    "Americas": N_("Americas"),
    "Asia": N_("Asia"),
    "Europe": N_("Europe"),
    "Oceania": N_("Oceania"),
}
INCOME = {
    "LIC": N_("Low income"),
    "LMC": N_("Lower-middle income"),
    "UMC": N_("Upper-middle income"),
    "HIC": N_("High income"),
}
SPECIAL = {
    "ldc": N_("Least developed countries (LDC)"),
    "lldc": N_("Landlocked developing countries (LLDC)"),
    "sids": N_("Small island developing States (SIDS)"),
}
STATUS = {
    "strength": N_("strength"),
    "bottleneck": N_("bottleneck"),
    "par": N_("on par"),
    "mixed": N_("mixed across peer groups"),
    "scored": N_("scored"),
    "insufficient_data": N_("insufficient data"),
}

#: The Monitor's codes (aicap.analysis.monitor) and the diagnosis' words (aicap.analysis.diagnose).
RESOURCES = {
    "compute": N_("AI compute (GPU clusters)"),
    "models_notable": N_("Notable AI models"),
    "models_large_scale": N_("Large-scale AI models"),
    "models_frontier": N_("Frontier AI models"),
    "cloud_regions": N_("Cloud regions"),
}
VIEWS = {"count": N_("count"), "capacity": N_("capacity-weighted")}
VARIANTS = {"full": N_("full counting"), "fractional": N_("fractional counting")}
DIMENSIONS = {"country": N_("by country"), "organisation": N_("by organisation")}
CLASSES = {
    "unconcentrated": N_("unconcentrated"),
    "moderately concentrated": N_("moderately concentrated"),
    "highly concentrated": N_("highly concentrated"),
    "unconcentrated to moderately concentrated": N_("unconcentrated to moderately concentrated"),
    "unconcentrated to highly concentrated": N_("unconcentrated to highly concentrated"),
    "moderately to highly concentrated": N_("moderately to highly concentrated"),
    "no data": N_("no data"),
    "a single actor (n = 1)": N_("a single actor (n = 1)"),
    "a single identified actor (n = 1) and an unattributed part": N_(
        "a single identified actor (n = 1) and an unattributed part"
    ),
}
GAP_STATUSES = {
    "addressed": N_("addressed"),
    "draft only": N_("draft only"),
    "gap": N_("gap"),
    "not covered": N_("not covered"),
    "not assessed": N_("not assessed"),
}
RISKS = {
    "misuse": N_("Misuse and malicious use"),
    "disinformation": N_("Disinformation and information integrity"),
    "hate_discrimination": N_("Hate speech and discrimination"),
    "privacy": N_("Privacy and data protection"),
    "safety_security": N_("Safety and security"),
    "labour_economic": N_("Labour and economic harm"),
    "armed_conflict_terrorism": N_("Use in armed conflict and by terrorist groups"),
}
RELATIVE = {
    "catching up": N_("catching up"),
    "falling behind": N_("falling behind"),
    "pulling ahead": N_("pulling ahead"),
    "losing its lead": N_("losing its lead"),
    "no clear change": N_("no clear change"),
    "small change": N_("a small change"),
    "too few years": N_("too few years"),
}
VERDICTS = {
    "over-performs": N_("over-performs"),
    "under-performs": N_("under-performs"),
    # inside the 95 % interval: not "as expected" beside a residual of +14.8 (Germany)
    "as expected": N_("not clearly different from expected"),
}


def translations(lang: str) -> NullTranslations:
    if lang == "en":
        return NullTranslations()
    t = Translations.load(str(LOCALES), [lang], domain="messages")
    return t if isinstance(t, Translations) else NullTranslations()


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang).gettext
