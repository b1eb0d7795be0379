"""Fixtures of the fault suite: services each test module owns (it kills them), a small bank,
and the seeds.

Every module here gets a Gremlin Server and a Kafka broker of its own (``service_factory``,
tests/conftest.py: own ports, own state folder), never the session's shared ones, and every test
starts with whatever its module's ``SERVICES`` names running again (a previous test may have
killed one). ``BANKING_FAULT_SEEDS=1,2,3`` runs each case once per seed (default: one fixed
seed); the seed is in the test id, and a failure repeats with
``BANKING_FAULT_SEEDS=<seed> python -m pytest tests/integration/faults -k 'seed=<seed>'``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from banking_repository import GraphRepository

SEEDS_ENV = "BANKING_FAULT_SEEDS"
DEFAULT_SEEDS = (20240611,)
# Big enough that a kill lands mid-operation, small enough that each case takes seconds.
BANK_SCALE = 0.004
BANK_SEED = 5


def fault_seeds() -> list[int]:
    text = os.environ.get(SEEDS_ENV, "").strip()
    if not text:
        return list(DEFAULT_SEEDS)
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise pytest.UsageError(
            f"{SEEDS_ENV} must be comma-separated integers, got {text!r}"
        ) from None


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "seed" in metafunc.fixturenames:
        seeds = fault_seeds()
        metafunc.parametrize("seed", seeds, ids=[f"seed={s}" for s in seeds])


@pytest.fixture(scope="module")
def fault_services(request: pytest.FixtureRequest, service_factory) -> Iterator:
    """The module's own services (names in the module's ``SERVICES``), stopped at its end."""
    services = service_factory.create(f"faults-{request.module.__name__}")
    services.ensure(request.module.SERVICES)
    try:
        yield services
    finally:
        services.stop()


@pytest.fixture
def services(request: pytest.FixtureRequest, fault_services):
    """The module's services, each running again before the test starts."""
    fault_services.ensure(request.module.SERVICES, keep_kafka_data=True)
    return fault_services


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory):
    """A small generated bank (jsonl) on disk, read-only for the tests."""
    from banking.data_generators.orchestration import generate_bank
    from banking.dataset import DatasetReader

    directory = tmp_path_factory.mktemp("fault-bank") / "bank"
    generate_bank(BANK_SCALE, BANK_SEED, out_dir=directory, fmt="jsonl")
    return DatasetReader(directory)


@pytest.fixture
def empty_graph(services) -> str:
    """The module's own Gremlin Server, emptied (it is the module's alone); its URL."""
    with GraphRepository(services.gremlin_url, timeout_s=120) as repo:
        repo.drop_all()
    return services.gremlin_url
