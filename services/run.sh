#!/usr/bin/env bash
# Start, stop and check the local Gremlin Server and Kafka broker:
#   services/run.sh up|down|status|logs|env [--only gremlin|kafka]
# Works from any directory; PYTHON picks the interpreter (default python3).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m banking.services "$@"
