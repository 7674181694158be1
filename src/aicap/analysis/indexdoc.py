"""The framework as Markdown tables for ``docs/index.md`` (generated from the YAML, so the doc
cannot drift from the shipped framework: ``tests/analysis`` compares them).

    python -m aicap.analysis.indexdoc            # print the generated block
    python -m aicap.analysis.indexdoc --write    # replace it in docs/index.md
"""

from __future__ import annotations

import sys

from aicap.analysis.spec import IndexSpec, TierMeasure, default_framework_path

BEGIN = "<!-- generated from frameworks/aicap.yaml: begin -->"
END = "<!-- generated from frameworks/aicap.yaml: end -->"


def _cell(text: str | None) -> str:
    return " ".join(str(text or "").split()).replace("|", "\\|")


def _num(x: float) -> str:
    return f"{x:g}"


def framework_tables(spec: IndexSpec) -> str:
    """Pillars, indicators (with goalposts and rationale) and the tier rule as Markdown."""
    out = [BEGIN, "", "### Pillars", ""]
    out += [
        "| pillar | name | A/79/966 | indicators | data needed | rationale |",
        "|---|---|---|---|---|---|",
    ]
    for p in spec.pillars:
        inds = spec.indicators_of(p.code)
        out.append(
            f"| {p.code} ({p.group}) | {_cell(p.name)} | {_cell(p.a79966)} | {len(inds)} | "
            f"{p.dat_thresh:.0%} of its indicators | {_cell(p.rationale)} |"
        )
    out += ["", "### Indicators", ""]
    out += [
        "| indicator | pillar | series | unit | transformation | goalposts | basis | window | "
        "rationale |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for i in spec.indicators:
        tr = []
        if i.per_capita:
            tr.append(f"per capita ({i.per_capita.denominator} x {i.per_capita.scale:g})")
        if i.rolling_sum:
            tr.append(f"{i.rolling_sum}-year sum")
        if i.zero_fill:
            tr.append("0 if not listed")
        if i.transform != "none":
            tr.append(i.transform)
        g = i.goalposts
        direction = "" if i.direction == 1 else " (lower is better)"
        out.append(
            f"| **{i.code}**: {_cell(i.name)}{direction} | {i.pillar} | `{i.series}` | "
            f"{_cell(i.unit)} | {', '.join(tr) or 'none'} | {_num(g.lower)} to {_num(g.upper)} | "
            f"{g.basis}: {_cell(g.note)} | {spec.max_age(i)} y | {_cell(i.rationale)}"
            + (f" *Caveat:* {_cell(i.caveats)}" if i.caveats else "")
            + " |"
        )
    rule = spec.tiers
    out += ["", "### Tiers", "", _cell(rule.rule), "", _cell(rule.source_note), ""]
    out += ["| tier | name (source) | description | conditions it adds |", "|---|---|---|---|"]
    for t in rule.tiers:
        conds = ", ".join(
            f"`{c}`" + ("" if rule.condition(c).required else " (reported)") for c in t.conditions
        )
        out.append(
            f"| {t.tier} | {_cell(t.label)} ({_cell(t.name_source)}) | "
            f"{_cell(t.description)} | {conds or 'none'} |"
        )
    out += [
        "",
        "#### Tier conditions",
        "",
        "| condition | measure | A/79/966 (report) | reason | coverage | interventions |",
        "|---|---|---|---|---|---|",
    ]
    for c in rule.conditions:
        cites = "; ".join(f"{x.entry}: \u201c{_cell(x.quote)}\u201d" for x in c.cites)
        out.append(
            f"| **{c.code}**: {_cell(c.name)}{'' if c.required else ' (reported, not required)'}"
            f" | {_measure_text(c.measure)} | {cites} | {_cell(c.reason)} | {_cell(c.coverage)} | "
            f"{', '.join(c.interventions) or ''} |"
        )
    out += [
        "",
        f"A tier is *near the boundary* when the index's Monte Carlo gives it a probability "
        f"below {rule.near_boundary_probability:g} ({rule.replications} replications, seed "
        f"{rule.seed}).",
    ]
    out += ["", "### Excluded sources", ""]
    out += [f"- `{k}`: {_cell(v)}" for k, v in spec.excluded_sources.items()]
    out += _screen_tables(spec)
    out += ["", END]
    return "\n".join(out)


def _measure_text(m: TierMeasure) -> str:
    if m.any_of:
        return " or ".join(_measure_text(x) for x in m.any_of)
    what = f"pillar {m.pillar}" if m.pillar else f"asset `{m.asset}`"
    if m.exclude:
        what += f" (without {', '.join(m.exclude)})"
    unit = f" {m.unit}" if m.unit else ""
    if m.min is not None:
        return f"{what} >= {_num(m.min)}{unit}"
    if m.max is not None:
        return f"{what} <= {_num(m.max)}{unit}"
    return f"{what} present"


def _screen_tables(spec: IndexSpec) -> list[str]:
    """The plausibility rule, each indicator's screen, zero rule and method break."""
    if spec.plausibility is None:
        return []
    out = ["", "### Plausibility screen, zeros and method breaks", ""]
    out += [_cell(spec.plausibility.rule), ""]
    out += [
        "| indicator | bounds | jump | outlier z | acted on | zero / not listed | method break |",
        "|---|---|---|---|---|---|---|",
    ]
    for i in spec.indicators:
        r = spec.screen_of(i)
        if r is None:
            continue
        b = r.bounds
        bounds = (
            "none"
            if b is None
            else f"{_num(b[0]) if b[0] is not None else '-inf'} to "
            + (_num(b[1]) if b[1] is not None else "+inf")
        )
        z = i.zeros
        zero = f"{z.zero}; not listed: {z.unlisted}"
        if z.zero_needs_pillar:
            zero += f" (counts beside {z.zero_needs_pillar} other {i.pillar} indicators)"
        brk = f"{i.method_break.year}: {_cell(i.method_break.note)}" if i.method_break else ""
        note = f" {_cell(r.note)}" if r.note else ""
        out.append(
            f"| **{i.code}** | {bounds} | {_num(r.jump) if r.jump else 'off'} | "
            f"{_num(r.outlier_z) if r.outlier_z else 'off'} | {r.act_on} -> {r.action}{note} | "
            f"{zero} | {brk} |"
        )
    return out


def replace_block(doc: str, block: str) -> str:
    a, b = doc.index(BEGIN), doc.index(END) + len(END)
    return doc[:a] + block + doc[b:]


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - thin wrapper
    args = sys.argv[1:] if argv is None else argv
    spec = IndexSpec.load(default_framework_path())
    block = framework_tables(spec)
    if "--write" in args:
        path = default_framework_path().parents[1] / "docs" / "index.md"
        path.write_text(replace_block(path.read_text(encoding="utf-8"), block), encoding="utf-8")
        return 0
    sys.stdout.write(block + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
