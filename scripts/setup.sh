#!/usr/bin/env bash
# Install everything aicap needs on a fresh Debian machine with Python 3.11+:
# a pinned uv in .tools/, then the locked Python environment in .venv/ (uv.lock, --frozen).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION="0.13.9"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "aicap needs Python 3.11 or newer as '$PY' (set PYTHON=...)" >&2
  exit 1
fi

# Debian packages needed by the tests and the reports (WeasyPrint: Pango, HarfBuzz, fonts;
# poppler-utils: pdftotext/pdftoppm for checking rendered pages; wrk: benchmarks/web.py).
APT_PACKAGES=(poppler-utils fonts-dejavu-core fonts-noto-core fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 chromium postgresql wrk)
if [ "${#APT_PACKAGES[@]}" -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  if ! "$PY" -m venv .tools 2>/dev/null; then
    if command -v apt-get >/dev/null 2>&1; then
      SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
      $SUDO apt-get update -qq && $SUDO apt-get install -y -qq python3-venv
      "$PY" -m venv .tools
    else
      echo "cannot create a virtual environment with $PY -m venv" >&2; exit 1
    fi
  fi
  .tools/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
fi

# Everything but the GPU extra (torch, CuPy: only on a machine with an NVIDIA GPU, by hand:
# `.tools/bin/uv sync --frozen --extra gpu ...`). The base install is lean (pyproject.toml).
EXTRAS="--extra web --extra pdf --extra postgres --extra dask --extra dev"

# --compile-bytecode, and compileall for aicap's own sources: some machines set
# PYTHONDONTWRITEBYTECODE, and without .pyc files every command compiles again each module it
# imports (5-6 s more for a cold `aicap report briefing` here). Once: about 30 s; then < 1 s.
UV_PYTHON="$("$PY" -c 'import sys; print(sys.executable)')" \
  .tools/bin/uv sync --frozen --quiet --compile-bytecode $EXTRAS \
  --python "$("$PY" -c 'import sys; print(sys.executable)')"
.venv/bin/python -m compileall -q -j 0 src >/dev/null
