"""A Markdown audit report of a composite (text only; the caller writes it where it likes)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from aicap.index import audit
from aicap.index.composite import Composite


def markdown_table(df: pd.DataFrame, digits: int = 3, max_rows: int | None = None) -> str:
    """A GitHub-flavoured Markdown table (no extra dependency)."""
    if df.empty:
        return "_none_\n"
    shown = df if max_rows is None else df.head(max_rows)

    def fmt(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else f"{v:.{digits}f}"
        return str(v).replace("|", "\\|")

    cols: Sequence[str] = [str(c) for c in shown.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(fmt(v) for v in row) + " |" for row in shown.itertuples(False)]
    more = "" if max_rows is None or len(df) <= max_rows else f"\n_{len(df) - max_rows} more_\n"
    return "\n".join(lines) + "\n" + more


def audit_report(comp: Composite, top_n: int = 15) -> str:
    """Markdown: recipe, stages, flags, indicator statistics, correlations, Cronbach's alpha,
    PCA, effective weights, rank change on removing elements, results."""
    t = comp.framework.tree
    top = t.top[0]
    parts = [f"# Audit: {comp.framework.name} ({comp.recipe.name})\n"]
    parts.append(
        f"{len(comp.stages['raw'])} units, {len(t.indicators)} indicators, "
        f"{len(t.aggregates)} aggregates, {t.max_level} levels. "
        f"Stages: {', '.join(comp.stages)}.\n"
    )
    parts.append("## Recipe\n\n```yaml\n" + comp.recipe.to_yaml() + "```\n")
    f = comp.flags
    counts = (
        f.groupby(["step", "flag"]).size().rename("cells").reset_index()
        if not f.empty
        else pd.DataFrame()
    )
    parts.append("## Per-cell flags\n\n" + markdown_table(counts))
    removed = comp.details("screen").get("removed_units", [])
    if removed:
        parts.append(f"Units removed by screening: {', '.join(removed)}.\n")
    first = "denominated" if "denominated" in comp.stages else "raw"
    stats = audit.indicator_stats(comp.stage(first)[t.indicators])
    flagged = stats[
        (stats[["Flag.Avail", "Flag.NonZero", "Flag.Unique"]] == "LOW").any(axis=1)
        | (stats["Flag.SkewKurt"] == "OUT")
    ]
    cols = [
        "iCode",
        "Frc.Avail",
        "Frc.NonZero",
        "Frc.Unique",
        "Skew",
        "Kurt",
        "Flag.Avail",
        "Flag.NonZero",
        "Flag.Unique",
        "Flag.SkewKurt",
    ]
    parts.append(
        f"## Indicator statistics ({first}): flagged indicators\n\n" + markdown_table(flagged[cols])
    )
    if comp.recipe.step("treat") is not None:
        tr = audit.treatment(comp)
        changed = tr[(tr["Winsorised"] > 0) | (tr["Fallback"] != "") | ~tr["Pass.0"]]
        parts.append(
            "## Outlier treatment: indicators that failed or were treated\n\n"
            + markdown_table(changed, 3)
        )
    if "normalised" in comp.stages:
        parts.append(
            "## Correlation flags within groups (normalised)\n\n"
            + markdown_table(audit.correlation_flags(comp))
        )
        parts.append(
            "## Cronbach's alpha (normalised)\n\n" + markdown_table(audit.cronbach_alpha(comp))
        )
        var, _ = audit.pca(comp)
        if not var.empty:
            pc1 = var[var["PC"] == 1][["Group", "VarExplained"]]
            parts.append(
                "## PCA: variance explained by the first component\n\n" + markdown_table(pc1)
            )
    if "aggregated" in comp.stages:
        pc = audit.parent_correlations(comp)
        parts.append(
            "## Correlation with ancestors: flagged\n\n" + markdown_table(pc[pc["Flag"] != ""])
        )
        parts.append("## Effective weights\n\n" + markdown_table(comp.weights_table(), 4))
        _, summ = audit.remove_elements(comp, level=1)
        parts.append(
            f"## Rank change of {top} when each indicator is removed\n\n"
            + markdown_table(summ, 2, max_rows=top_n)
        )
        res = comp.results_table()[
            ["uCode", "Rank", top, *[c for c in t.codes if t.parent_of[c] == top]]
        ]
        parts.append(f"## Results (top {top_n})\n\n" + markdown_table(res, 2, max_rows=top_n))
    return "\n".join(parts)
