#!/usr/bin/env bash
# The whole test suite: install, lint (ruff), type-check (mypy --strict on src/), then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy
exec .venv/bin/pytest "$@"
