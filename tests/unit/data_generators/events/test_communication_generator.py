import numpy as np
import pytest

from banking.data_generators.core import CommunicationGenerator, PersonGenerator
from banking.errors import UsageError
from banking.models import Communication


def test_between_existing_persons_never_self():
    persons = PersonGenerator(1).generate_columns(40)["person_id"]
    cols = CommunicationGenerator(1, person_ids=persons).generate_columns(5_000)
    assert set(cols["from_person"].tolist()) | set(cols["to_person"].tolist()) <= set(
        persons.tolist()
    )
    assert not np.any(cols["from_person"] == cols["to_person"])


def test_default_persons_are_person_generator_ids():
    ids = set(PersonGenerator(42).generate_columns(10_000)["person_id"].tolist())
    cols = CommunicationGenerator(42).generate_columns(2_000)
    assert set(cols["from_person"].tolist()) <= ids


def test_durations_only_for_calls_and_models_validate():
    comms = CommunicationGenerator(2).generate_batch(2_000)
    for c in comms:
        assert Communication.model_validate(c.model_dump()) == c
        assert (c.duration_seconds > 0) == (c.channel == "phone")
    assert {c.channel for c in comms} == {"phone", "email", "sms", "chat"}


def test_bad_input():
    with pytest.raises(UsageError):
        CommunicationGenerator(1, person_ids=["PER-1"])
    with pytest.raises(UsageError):
        CommunicationGenerator(1).generate_batch(-1)
