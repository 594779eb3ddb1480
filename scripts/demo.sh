#!/usr/bin/env bash
# The demo command: install what is missing, then run `lam demo` on the embedded default
# (it starts the local Kafka broker and local Spark itself, and stops what it started).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/bootstrap.sh"
venv="${LAM_HOME_DIR:-$HOME/.cache/lam-pipelines}/venv"
if [ -z "${LAM_DATA_DIR:-}" ] && [ -d "$repo/../shared/data" ]; then export LAM_DATA_DIR="$repo/../shared/data"; fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
cd "$repo"
exec "$venv/bin/lam" demo "$@"
