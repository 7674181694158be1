"""Claims: every published sentence of comparison, trend, rank or count, as one typed record.

A :class:`Claim` holds the quantity it states, its value, its interval or test, the verdict that
the test gives, the sample (n) and years, the data it read, and the command that recomputes it.
Its sentence is never written by hand: :func:`render` takes the wording of the claim's kind and
verdict from ``catalogues/claims.yaml`` (validated by :class:`ClaimCatalogue`), so a claim whose
interval includes "no change" can only be phrased as no clear change, and a label can never
contradict its number (the verdict is computed from the number, not chosen by the caller).

Claims have stable ids built from what they say (kind, subject, groups, years): the same claim
on new data keeps its id. :class:`ClaimSet` collects a run's claims and is written to
``claims.json`` beside the outputs; ``aicap claim show ID`` prints one. Pure: no I/O except
:func:`load_claim_catalogue` and :meth:`ClaimSet.read` / :meth:`ClaimSet.write`.
"""

from __future__ import annotations

import json
import math
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from scipy import stats

from aicap import yamlload

VerdictRule = Literal[
    "interval_sign",
    "chance",
    "difference_sign",
    "descriptive",
    "relative_trend",
    "threshold_sign",
    "shortfall",
    "concentration",
    "tier_certainty",
]

#: The verdicts each rule can give (the wording of a kind must cover exactly these).
RULE_VERDICTS: dict[str, tuple[str, ...]] = {
    "interval_sign": ("up", "down", "no_clear_change"),
    "chance": ("beyond_chance", "within_chance"),
    "difference_sign": ("above", "below", "no_clear_difference"),
    "descriptive": ("stated",),
    "relative_trend": (
        "catching_up",
        "falling_behind",
        "pulling_ahead",
        "losing_lead",
        "small_change",
        "no_clear_change",
    ),
    "threshold_sign": ("above", "below", "at_par"),
    "shortfall": ("gap", "no_gap"),
    "concentration": (
        "single_actor",
        "single_identified",
        "low_coverage",
        "highly_concentrated",
        "moderately_concentrated",
        "unconcentrated",
        "between_classes",
    ),
    "tier_certainty": (
        "sure",
        "near_boundary",
        "depends_on_unknown",
        "held",
        "held_not_assessed",
        "not_assessed",
    ),
}


class ClaimError(ValueError):
    """A claim or the claim catalogue is invalid: the message names the kind and field."""


class ClaimKind(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    quantity: str
    test: str
    verdict: VerdictRule
    wording: dict[str, str]
    #: param -> verdict -> the wording used when that param is empty (a tier A/79/966 does
    #: not name is said by its number alone, never "tier 3 (Tier 3)")
    wording_without: dict[str, dict[str, str]] = {}

    @model_validator(mode="after")
    def _covers(self) -> ClaimKind:
        want = set(RULE_VERDICTS[self.verdict])
        got = set(self.wording)
        if want != got:
            raise ValueError(
                f"wording must give exactly the verdicts {sorted(want)} of rule "
                f"{self.verdict!r}; got {sorted(got)}"
            )
        texts = list(self.wording.items())
        for param, alt in self.wording_without.items():
            if not set(alt) <= want:
                raise ValueError(
                    f"wording_without.{param}: verdicts {sorted(set(alt) - want)} are not "
                    f"verdicts of rule {self.verdict!r}"
                )
            texts += [(f"wording_without.{param}.{v}", t) for v, t in alt.items()]
        for v, text in texts:
            try:
                names = {f[1] for f in string.Formatter().parse(text) if f[1]}
            except ValueError as exc:
                raise ValueError(f"wording {v!r}: {exc}") from exc
            if v.startswith("wording_without.") and v.split(".")[1] in names:
                raise ValueError(f"{v} uses {{{v.split('.')[1]}}}, the param it is without")
        return self

    def text(self, verdict: str, params: Mapping[str, Any]) -> str:
        """The wording of ``verdict``: the one without a param where that param is empty."""
        for param, alt in self.wording_without.items():
            if verdict in alt and not params.get(param):
                return alt[verdict]
        return self.wording[verdict]


class ClaimCatalogue(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    kinds: dict[str, ClaimKind]

    def kind(self, name: str) -> ClaimKind:
        if name not in self.kinds:
            raise ClaimError(f"unknown claim kind {name!r} (catalogues/claims.yaml)")
        return self.kinds[name]


def default_claims_path() -> Path:
    from aicap import resources

    return resources.path("catalogues/claims.yaml")


@cache
def load_claim_catalogue(path: str | None = None) -> ClaimCatalogue:
    p = Path(path) if path else default_claims_path()
    raw = yamlload.safe_load(p.read_text(encoding="utf-8"))
    try:
        return ClaimCatalogue.model_validate(raw)
    except ValidationError as exc:
        raise ClaimError(f"{p}: {exc}") from exc


# ------------------------------------------------------------------------------ verdicts
def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def verdict_interval_sign(c: Claim) -> str:
    if not (_finite(c.low) and _finite(c.high)):
        return "no_clear_change"
    assert c.low is not None and c.high is not None
    if c.low > 0:
        return "up"
    if c.high < 0:
        return "down"
    return "no_clear_change"


def verdict_difference_sign(c: Claim) -> str:
    v = verdict_interval_sign(c)
    return {"up": "above", "down": "below"}.get(v, "no_clear_difference")


def verdict_chance(c: Claim) -> str:
    p = c.params.get("p_value")
    alpha = float(c.params.get("alpha", 0.05))
    return "beyond_chance" if p is not None and float(p) < alpha else "within_chance"


def verdict_relative_trend(c: Claim) -> str:
    """The gap's slope interval, read with where the country stands now (behind or ahead)."""
    v = verdict_interval_sign(c)
    if abs(c.value) < float(c.params.get("min_slope", 0.0)):
        # an interval that excludes zero but a move under the material threshold is said as
        # such, never as "no clear change" beside an interval that contradicts it
        return "no_clear_change" if v == "no_clear_change" else "small_change"
    behind = float(c.params.get("gap_now", float("nan"))) < 0
    if v == "up":
        return "catching_up" if behind else "pulling_ahead"
    if v == "down":
        return "falling_behind" if behind else "losing_lead"
    return "no_clear_change"


def verdict_threshold_sign(c: Claim) -> str:
    """A difference read against a material threshold (``min_gap``): more than it above,
    more than it below, else at par; NaN is at par (never a shortfall)."""
    m = float(c.params.get("min_gap", 0.0))
    if not math.isfinite(c.value):
        return "at_par"
    if c.value > m:
        return "above"
    if c.value < -m:
        return "below"
    return "at_par"


def verdict_shortfall(c: Claim) -> str:
    """A shortfall (points below the peers, >= 0) is a gap from ``min_gap`` points on."""
    m = float(c.params.get("min_gap", 0.0))
    return "gap" if math.isfinite(c.value) and c.value >= m and c.value > 0 else "no_gap"


#: DOJ/FTC 2023 thresholds (aicap.analysis.monitor.concentration: HIGH, MODERATE)
HHI_HIGH, HHI_MODERATE = 1800.0, 1000.0


def _hhi_class(h: float) -> str:
    if h > HHI_HIGH:
        return "highly_concentrated"
    if h >= HHI_MODERATE:
        return "moderately_concentrated"
    return "unconcentrated"


def verdict_concentration(c: Claim) -> str:
    """A market's reading: too little of it measured, one actor, or the DOJ/FTC class of its
    HHI interval (``low``-``high``; ``between_classes`` when the ends differ)."""
    if c.params.get("low_coverage"):
        return "low_coverage"
    if c.n == 1:
        return (
            "single_identified"
            if float(c.params.get("unattributed_share", 0)) > 0
            else ("single_actor")
        )
    lo = c.low if _finite(c.low) else c.value
    hi = c.high if _finite(c.high) else c.value
    assert lo is not None and hi is not None
    a, b = _hhi_class(lo), _hhi_class(hi)
    return a if a == b else "between_classes"


def verdict_tier_certainty(c: Claim) -> str:
    """How sure a tier is: a range when an unknown condition could raise it, held when an
    enabler (``params.held``) holds it below its capacity level, near a boundary when the
    probability of the tier (``value``) is under ``threshold``."""
    if int(c.params.get("tier_high", c.params.get("tier", 0))) > int(c.params.get("tier", 0)):
        return "depends_on_unknown"
    if c.params.get("held"):  # an enabler holds it below its capacity level: say so
        p = float(c.params.get("p_capacity_pct", float("nan")))
        return "held" if math.isfinite(p) else "held_not_assessed"
    if not math.isfinite(c.value):
        return "not_assessed"
    return "near_boundary" if c.value < float(c.params.get("threshold", 0.9)) else "sure"


VERDICT_RULES: dict[str, Callable[[Claim], str]] = {
    "interval_sign": verdict_interval_sign,
    "chance": verdict_chance,
    "difference_sign": verdict_difference_sign,
    "descriptive": lambda c: "stated",
    "relative_trend": verdict_relative_trend,
    "threshold_sign": verdict_threshold_sign,
    "shortfall": verdict_shortfall,
    "concentration": verdict_concentration,
    "tier_certainty": verdict_tier_certainty,
}


# ------------------------------------------------------------------------------ claims
@dataclass(frozen=True)
class Claim:
    """One published statement and everything needed to check it."""

    id: str
    kind: str
    subject: str  # what it is about: "index", a pillar code, a country, a group
    value: float  # the stated quantity (a change, a difference, a count, a slope)
    low: float | None = None  # interval, when the test gives one
    high: float | None = None
    level: float | None = None  # e.g. 0.95
    n: int | None = None  # the sample the quantity is computed on
    start: int | None = None
    end: int | None = None
    sample: str = ""  # which units, in words
    data: tuple[str, ...] = ()  # the series / files it read
    params: dict[str, Any] = field(default_factory=dict)
    recompute: str = ""  # the command that recomputes it

    @property
    def verdict(self) -> str:
        rule = load_claim_catalogue().kind(self.kind).verdict
        return VERDICT_RULES[rule](self)

    @property
    def text(self) -> str:
        return render(self)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["data"] = list(self.data)
        d["verdict"] = self.verdict
        d["text"] = self.text
        kind = load_claim_catalogue().kind(self.kind)
        d["quantity"] = kind.quantity
        d["test"] = kind.test
        out: dict[str, Any] = _jsonable(d)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Claim:
        keep = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        keep["data"] = tuple(keep.get("data", ()))
        if keep.get("value") is None:
            keep["value"] = float("nan")
        keep["params"] = dict(keep.get("params") or {})
        return cls(**keep)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and not isinstance(v, str):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


_SLUG = re.compile(r"[^A-Za-z0-9]+")


def claim_id(kind: str, *parts: object) -> str:
    """A stable, readable id: ``kind`` and the parts that say what the claim is about."""
    bits = [kind.replace("_", "-")]
    for p in parts:
        if p is None or p == "":
            continue
        bits.append(_SLUG.sub("-", str(p)).strip("-"))
    return ".".join(bits)


def render(c: Claim) -> str:
    """The claim's sentence: its kind's wording for its verdict, filled with its numbers."""
    kind = load_claim_catalogue().kind(c.kind)
    text = kind.text(c.verdict, c.params)
    pct = round((c.level or 0.95) * 100)
    fields: dict[str, Any] = {
        "value": c.value,
        "low": c.low if c.low is not None else float("nan"),
        "high": c.high if c.high is not None else float("nan"),
        "n": c.n,
        "start": c.start,
        "end": c.end,
        "pct": pct,
        "subject": c.subject,
        **c.params,
    }
    try:
        return " ".join(text.format(**fields).split())
    except (KeyError, ValueError, TypeError) as exc:
        raise ClaimError(f"claim {c.id} ({c.kind}, {c.verdict}): cannot fill {exc}") from exc


# ------------------------------------------------------------------------------ tests
def binomial_excess(k: int, n: int, rate: float) -> float:
    """One-sided p-value of seeing ``k`` or more of ``n`` when each falls out with ``rate``."""
    if n <= 0:
        return float("nan")
    return float(stats.binomtest(k, n, rate, alternative="greater").pvalue)


def holm(pvalues: Iterable[float], alpha: float = 0.05) -> list[bool]:
    """Holm's step-down procedure: which hypotheses are rejected at family-wise ``alpha``."""
    ps = list(pvalues)
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    out = [False] * len(ps)
    m = len(ps)
    for rank, i in enumerate(order):
        if ps[i] <= alpha / (m - rank):
            out[i] = True
        else:
            break
    return out


# ------------------------------------------------------------------------------ sets
@dataclass
class ClaimSet:
    """The claims of one run, by id (ids are unique: adding a second claim with an existing
    id is an error, never a silent overwrite)."""

    claims: dict[str, Claim] = field(default_factory=dict)

    def add(self, c: Claim) -> Claim:
        if c.id in self.claims and self.claims[c.id] != c:
            raise ClaimError(f"two different claims share the id {c.id}")
        self.claims[c.id] = c
        return c

    def extend(self, cs: Iterable[Claim]) -> None:
        for c in cs:
            self.add(c)

    def __getitem__(self, cid: str) -> Claim:
        return self.claims[cid]

    def __contains__(self, cid: object) -> bool:
        return cid in self.claims

    def __len__(self) -> int:
        return len(self.claims)

    def as_list(self) -> list[dict[str, Any]]:
        return [self.claims[k].as_dict() for k in sorted(self.claims)]

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_list(), ensure_ascii=False, indent=1), "utf-8")

    @classmethod
    def read(cls, path: Path) -> ClaimSet:
        out = cls()
        for d in json.loads(path.read_text(encoding="utf-8")):
            out.add(Claim.from_dict(d))
        return out


def catalogue_markdown(cat: ClaimCatalogue | None = None) -> str:
    """The claim kinds as Markdown (docs/claims.md embeds it: a test keeps them equal)."""
    cat = cat or load_claim_catalogue()
    lines: list[str] = []
    for name, k in cat.kinds.items():
        lines += [f"### `{name}`", "", f"- **Quantity**: {k.quantity}", f"- **Test**: {k.test}"]
        lines += [f"- **Verdict rule**: `{k.verdict}`", "- **Wording (English)**:", ""]
        for v, text in k.wording.items():
            lines.append(f"  - `{v}`: {' '.join(text.split())}")
        for param, alt in k.wording_without.items():
            for v, text in alt.items():
                lines.append(f"  - `{v}`, without `{param}`: {' '.join(text.split())}")
        lines.append("")
    return "\n".join(lines)
