"""The route (how the snapshot obtained a source's files) read from SOURCE.md, apart from the
publisher."""

from __future__ import annotations

from pathlib import Path

from aicap.sources.route import live_route, parse_route, read_route, route_text

SHA = "4ebec5a2273f531ba238a34dbe440394dc5a6c4b"
TEXT = f"""# World Bank WDI

- **Origin repository:** https://github.com/datasets/world-development-indicators (refreshed)
- **Path in repo:** `indicators/<code>/data.csv`
- **Commit:** `{SHA}` ("Automated data update", 2026-07-01)
- **Licence:** CC BY 4.0
"""
MULTI = """# Country reference
- **Origin:** https://github.com/datasets/country-codes — `data/country-codes.csv`; commit `caa72d1e0e5af8876c170bb36a9e4d64a01bba88` (2026-05-15).
- **Origin:** PyPI package `hdx-python-country` 4.2.5 — the taxonomy CSV.
- **Origin repository:** GitHub `rubythelot/aiaaic-chatbot-harm-atlas` — a CSV export
- **Commit:** `4f12d50a560901624d0613eb82bdab02d5b97542` (HEAD, 2026-06-09)
"""  # noqa: E501


def test_mirror_and_commit_from_the_next_commit_line() -> None:
    route = parse_route(TEXT)
    assert route == [
        {
            "repository": "datasets/world-development-indicators",
            "url": "https://github.com/datasets/world-development-indicators",
            "commit": SHA,
        }
    ]
    assert (
        route_text(route) == f"GitHub mirror datasets/world-development-indicators at commit {SHA}"
    )


def test_several_origins_inline_commits_and_non_github_copies() -> None:
    route = parse_route(MULTI)
    assert [r["repository"] for r in route] == [
        "datasets/country-codes",
        "PyPI package hdx-python-country 4.2.5",
        "rubythelot/aiaaic-chatbot-harm-atlas",
    ]
    assert route[0]["commit"].startswith("caa72d1e")
    assert route[1]["commit"] == "" and route[1]["url"] == ""  # the next commit is not its own
    assert route[2]["commit"].startswith("4f12d50a")
    assert "copy from PyPI package hdx-python-country 4.2.5, commit not stated" in route_text(route)


def test_no_source_md_and_live_snapshots(tmp_path: Path) -> None:
    assert read_route(tmp_path) == []
    assert route_text([]) == "not stated"
    live = live_route(["https://api.worldbank.org/v2/x"], "2026-12-01")
    assert route_text(live) == "downloaded from https://api.worldbank.org/v2/x on 2026-12-01"


def test_every_bundled_source_names_a_mirror_with_a_commit(data_dir: Path) -> None:
    for folder in sorted(p for p in data_dir.iterdir() if (p / "SOURCE.md").is_file()):
        route = read_route(folder)
        assert route, folder.name
        assert route[0]["commit"], folder.name  # the first origin always states its commit
