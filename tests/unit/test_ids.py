import numpy as np
import pytest

from banking.ids import IdSequence


def test_ids_are_deterministic_and_prefixed():
    a = IdSequence(42, "person").take(5)
    b = IdSequence(42, "person").take(5)
    assert list(a) == list(b)
    assert all(i.startswith("PER-") and len(i) == 20 for i in a)


def test_take_continues_the_sequence():
    seq = IdSequence(7, "account")
    whole = IdSequence(7, "account").take(10)
    parts = [*seq.take(3), seq.next(), *seq.take(6)]
    assert parts == list(whole)


def test_namespaces_never_collide():
    core = IdSequence(1, "transaction", "core").take(50_000)
    cycle = IdSequence(1, "transaction", "cycle").take(50_000)
    assert len(set(core) | set(cycle)) == 100_000


def test_different_seeds_give_different_ids():
    assert not np.array_equal(IdSequence(1, "person").take(3), IdSequence(2, "person").take(3))


def test_unknown_kind_or_namespace_is_rejected():
    with pytest.raises(ValueError):
        IdSequence(1, "planet")
    with pytest.raises(ValueError):
        IdSequence(1, "person", "nowhere")


@pytest.mark.parametrize("n", [0, 1, 7, 1000])
def test_take_objects_gives_the_same_ids_as_take(n):
    objects = IdSequence(3, "transaction", "cycle").take_objects(n)
    assert objects.dtype == object and len(objects) == n
    assert all(type(i) is str for i in objects)
    assert objects.tolist() == IdSequence(3, "transaction", "cycle").take(n).tolist()


def test_take_and_take_objects_share_one_sequence():
    mixed = IdSequence(9, "person")
    parts = [*mixed.take(2), *mixed.take_objects(3), mixed.next(), *mixed.take_objects(4)]
    assert parts == IdSequence(9, "person").take(10).tolist()
    with pytest.raises(ValueError):
        mixed.take_objects(-1)
