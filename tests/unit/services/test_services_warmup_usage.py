import math
import socket

import pytest

from banking.errors import UsageError
from banking.services.__main__ import main
from banking.services.warmup import check_seconds


@pytest.mark.parametrize("seconds", [0, -1, math.nan, math.inf])
def test_warm_needs_a_positive_finite_duration(seconds):
    with pytest.raises(UsageError, match="--seconds"):
        check_seconds(seconds)


def test_warm_names_the_service_that_does_not_answer(monkeypatch, tmp_path, capsys):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("GREMLIN_PORT", str(port))
    monkeypatch.setenv("BANKING_SERVICES_STATE", str(tmp_path))
    assert main(["warm", "--only", "gremlin", "--seconds", "1"]) == 3
    err = capsys.readouterr().err.strip()
    assert err == (
        f"services: error: gremlin does not answer at ws://127.0.0.1:{port}/gremlin: "
        "start it first (services/run.sh up)"
    )
