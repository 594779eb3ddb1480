#!/usr/bin/env bash
# The test command: install what is missing (cached outside the clone), check the import layers
# (import-linter contracts in pyproject.toml), then run the whole suite against a real Kafka broker
# (started by the test session) and real local Spark.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$repo/scripts/bootstrap.sh"
venv="${LAM_HOME_DIR:-$HOME/.cache/lam-pipelines}/venv"
if [ -z "${LAM_DATA_DIR:-}" ] && [ -d "$repo/../shared/data" ]; then export LAM_DATA_DIR="$repo/../shared/data"; fi
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false AIRFLOW__CORE__LOAD_EXAMPLES=False
cd "$repo"
"$venv/bin/lint-imports"
exec "$venv/bin/python" -m pytest -p no:cacheprovider "$@"
