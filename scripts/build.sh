#!/usr/bin/env bash
# The main job: install, then build everything from the bundled open-data snapshot
# (today: ingest into the warehouse and print the coverage summary).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/aicap build "$@"
