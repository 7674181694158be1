"""How the snapshot obtained a source's files (its *route*), apart from who publishes them.

The publisher of a value is the custodian agency (World Bank, UNDP, UN DESA, ITU, Epoch AI...),
:attr:`aicap.sources.base.SourceInfo.publisher`. The bundled snapshot did not download the files
from the publisher: it copied them from public repositories that had committed them (mirrors).
Each folder's ``SOURCE.md`` names them (``**Origin repository:**`` / ``**Origin:**`` lines with
the repository, and ``**Commit:**`` or an inline ``commit `<sha>```); :func:`read_route` turns
them into records ``{repository, url, commit}`` and :func:`route_text` into one line. A live
snapshot (``aicap update``) is fetched from the publisher's own URLs: :func:`live_route`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

_ORIGIN = re.compile(r"^\s*[-*]\s*\*\*Origin(?: repository)?:\*\*\s*(?P<rest>.+)$")
_COMMIT_LINE = re.compile(r"^\s*[-*]\s*\*\*Commit:\*\*\s*`(?P<sha>[0-9a-f]{7,40})`")
_INLINE_COMMIT = re.compile(r"\bcommit\s+`(?P<sha>[0-9a-f]{7,40})`")
_GITHUB_URL = re.compile(r"https://github\.com/(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)")
_GITHUB_NAME = re.compile(r"GitHub\s+`(?P<repo>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)`")
_OTHER = re.compile(r"^(?P<what>[^—;(]+?)\s*(?:—|;|\(|$)")


def parse_route(text: str) -> list[dict[str, str]]:
    """The mirrors a ``SOURCE.md`` names, in order: ``repository`` (``owner/name`` for GitHub,
    else the origin's own words), ``url`` and ``commit`` (empty when none is stated)."""
    lines = text.splitlines()
    out: list[dict[str, str]] = []
    for k, line in enumerate(lines):
        m = _ORIGIN.match(line)
        if not m:
            continue
        rest = m.group("rest").strip()
        url = _GITHUB_URL.search(rest)
        name = _GITHUB_NAME.search(rest)
        if url or name:
            repo = (url or name).group("repo").removesuffix(".git")  # type: ignore[union-attr]
            entry = {"repository": repo, "url": f"https://github.com/{repo}"}
        else:
            other = _OTHER.match(rest)
            what = (other.group("what") if other else rest).replace("`", "").strip()
            entry = {"repository": what, "url": ""}
        commit = _INLINE_COMMIT.search(rest)
        sha = commit.group("sha") if commit else ""
        if not sha:  # the next "**Commit:**" line before the next origin
            for nxt in lines[k + 1 :]:
                if _ORIGIN.match(nxt):
                    break
                c = _COMMIT_LINE.match(nxt)
                if c:
                    sha = c.group("sha")
                    break
        entry["commit"] = sha
        out.append(entry)
    return out


def read_route(folder: Path) -> list[dict[str, str]]:
    """:func:`parse_route` of ``folder/SOURCE.md`` (empty when there is none)."""
    path = folder / "SOURCE.md"
    if not path.is_file():
        return []
    return parse_route(path.read_text(encoding="utf-8"))


def live_route(urls: Iterable[str], retrieved: str) -> list[dict[str, str]]:
    """The route of a live snapshot: the publisher's URLs it was downloaded from."""
    return [{"repository": "", "url": u, "commit": "", "retrieved": retrieved} for u in urls]


def route_text(route: Sequence[Mapping[str, Any]]) -> str:
    """One line: ``GitHub mirror owner/name at commit <sha>; ...`` (or the live URLs)."""
    parts = []
    for r in route:
        repo, url, sha = str(r.get("repository") or ""), str(r.get("url") or ""), r.get("commit")
        if not repo and url:
            when = f" on {r['retrieved']}" if r.get("retrieved") else ""
            parts.append(f"downloaded from {url}{when}")
            continue
        kind = "GitHub mirror" if url.startswith("https://github.com/") else "copy from"
        parts.append(f"{kind} {repo}" + (f" at commit {sha}" if sha else ", commit not stated"))
    return "; ".join(parts) if parts else "not stated"
