#!/usr/bin/env bash
# Sets up .venv if needed, then lint and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export KERAS_BACKEND=torch
.venv/bin/ruff check kshim tests scripts
.venv/bin/ruff format --check kshim tests scripts
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" kshim tests
