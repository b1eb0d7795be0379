#!/usr/bin/env bash
# Start, stop and check the local Gremlin Server and Kafka broker (or cluster):
#   services/run.sh up|down|status|logs|env [--only gremlin|kafka] [--kafka-brokers N]
# Works from any directory; PYTHON picks the interpreter (default python3). The checkout is
# this script's own (BANKING_HOME), as `banking services` finds it from the current directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BANKING_HOME="$ROOT"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m banking.services "$@"
