#!/usr/bin/env bash
# The GPU scoring run, whenever a CUDA machine is available (never in CI): the usual set-up (nothing beyond
# what the README's test command installs), then bench/scoring.py on CUDA (bf16, token-budget batches) over
# 100k headlines end to end including tokenisation -> bench/results/scoring-cuda.json.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v nvidia-smi >/dev/null && nvidia-smi -L || { echo "bench/gpu.sh: no NVIDIA GPU here" >&2; exit 2; }
"$repo/scripts/bootstrap.sh"
venv="${LAM_HOME_DIR:-$HOME/.cache/lam-pipelines}/venv"
if [ -z "${LAM_DATA_DIR:-}" ] && [ -d "$repo/../shared/data" ]; then export LAM_DATA_DIR="$repo/../shared/data"; fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false LAM_MODEL__DEVICE=cuda
cd "$repo"
exec timeout 600 "$venv/bin/python" bench/scoring.py --texts "${TEXTS:-100000}" --out bench/results/scoring-cuda.json "$@"
