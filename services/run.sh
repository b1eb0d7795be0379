#!/usr/bin/env bash
# Start, stop and check the local graph servers and Kafka broker (or clusters):
#   services/run.sh up|down|status|logs|env|warm [--only gremlin|kafka|janusgraph]
#       [--graph tinkergraph,janusgraph] [--cassandra-nodes N] [--kafka-brokers N]
# Works from any directory; PYTHON picks the interpreter (default python3). The checkout is
# this script's own (BANKING_HOME), as `banking services` finds it from the current directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BANKING_HOME="$ROOT"
PY="${PYTHON:-$(command -v python3 || command -v python)}"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m banking.services "$@"
