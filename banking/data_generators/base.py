"""What every core and event generator shares: the columnar contract and the model views of it.

A generator implements ``generate_columns(n)`` (numpy, vectorised); ``generate_batch``,
``generate`` and ``iter_batches`` are derived here from the columns, so all paths produce the
same values and continue the same random streams.
"""

from __future__ import annotations

import gc
import numbers
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from types import GetSetDescriptorType, MemberDescriptorType
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
from pydantic import BaseModel

from banking.errors import UsageError
from banking.seeding import check_seed

M = TypeVar("M", bound=BaseModel)


def check_count(n: Any, what: str = "n") -> int:
    """``n`` as an int if it is a non-negative integer, else UsageError."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise UsageError(f"{what} must be a non-negative integer, got {n!r}")
    return int(n)


def check_batch_size(batch_size: Any) -> int:
    size = check_count(batch_size, "batch_size")
    if size == 0:
        raise UsageError("batch_size must be positive")
    return size


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def to_day(day: date) -> np.datetime64:
    return np.datetime64(day, "D")


def object_array(values: list[Any] | np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


class ColumnGenerator(Generic[M]):
    """Base of the generators: seed and reference date checks plus the model views."""

    model: ClassVar[type[BaseModel]]

    def __init__(self, seed: int = 42, *, reference_date: date) -> None:
        self.seed = check_seed(seed)
        if not isinstance(reference_date, date):
            raise UsageError(f"reference_date must be a date, got {reference_date!r}")
        self.reference_date = reference_date
        self._constructor: Constructor | None = None  # made by the first generate_batch

    def generate_columns(self, n: int) -> dict[str, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def generate_batch(self, n: int) -> list[M]:
        """``n`` models built from the columns (valid by construction, so not re-validated)."""
        columns = self.generate_columns(n)
        if self._constructor is None:
            self._constructor = Constructor(self.model)
        return construct_models(self.model, columns, consume=True, constructor=self._constructor)  # type: ignore[return-value]

    def generate(self) -> M:
        """One model."""
        return self.generate_batch(1)[0]

    def iter_batches(self, n: int, batch_size: int = 10_000) -> Iterator[list[M]]:
        """``n`` models in lists of at most ``batch_size``: memory bounded by one batch."""
        remaining = check_count(n)
        size = check_batch_size(batch_size)
        while remaining:
            take = min(size, remaining)
            remaining -= take
            yield self.generate_batch(take)

    def iter_columns(self, n: int, batch_size: int = 10_000) -> Iterator[dict[str, np.ndarray]]:
        """Like ``iter_batches`` but yields column dicts (the fast path for bulk writers)."""
        remaining = check_count(n)
        size = check_batch_size(batch_size)
        while remaining:
            take = min(size, remaining)
            remaining -= take
            yield self.generate_columns(take)

    @classmethod
    def models_from_columns(cls, columns: dict[str, np.ndarray]) -> list[M]:
        return construct_models(cls.model, columns)  # type: ignore[return-value]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Suspend the cyclic garbage collector for a bulk allocation of acyclic objects.

    Building a batch allocates two tracked containers per model (the instance and its
    ``__dict__``) and frees none, so the collector would run every few hundred models and, as
    the batch grows, rescan the whole young heap again and again: about 40% of the time of
    ``generate_batch``. Models hold no reference cycles, so nothing is left for it to find.
    The previous state is restored (a caller that disabled the collector keeps it disabled).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def construct_models(
    model: type[BaseModel],
    columns: dict[str, np.ndarray],
    *,
    consume: bool = False,
    constructor: Constructor | None = None,
) -> list[BaseModel]:
    """Models from already-valid columns without validation: ``model_construct``, unrolled.

    Same object state as ``model_construct`` (``__dict__``, fields set, no extra, no private),
    about 3-4x faster: a constructor specialised to the model's fields is compiled (the
    technique ``dataclasses`` uses) and mapped over the columns. The fields-set is one set
    shared by the batch: the models are frozen, and ``model_copy`` copies the set before
    updating it; sharing saves ~700 bytes per model.

    Compiling costs 50-80 us, 5-7% of a 1,000-model batch: a caller that builds batches of
    the same model repeatedly passes a ``Constructor`` of it to compile once (a generator
    keeps its own). With ``consume`` each array is removed from ``columns`` as soon as it is a
    list, so the arrays and their Python copies never coexist (the caller hands over a dict
    it built).
    """
    if set(columns) != set(model.model_fields):
        raise ValueError(f"columns {sorted(columns)} do not match {model.__name__} fields")
    names = tuple(model.model_fields)  # field order: the order of the class's shared keys
    take = columns.pop if consume else columns.__getitem__
    lists = [take(name).tolist() for name in names]
    with gc_paused():
        if model.__pydantic_post_init__ or model.__private_attributes__:
            return [
                model.model_construct(**dict(zip(names, row, strict=True)))
                for row in zip(*lists, strict=True)
            ]
        if constructor is None:
            constructor = Constructor(model)
        elif constructor.model is not model:
            raise ValueError(f"a constructor of {constructor.model.__name__}, not {model.__name__}")
        return constructor.batch(lists)


def slot_setter(cls: type, name: str) -> Callable[[Any, Any], None]:
    """A function setting attribute ``name`` of an instance of ``cls`` as
    ``object.__setattr__`` does (bypassing ``cls.__setattr__``).

    For a ``__slots__`` member (pydantic's ``__pydantic_fields_set__``, ``__pydantic_extra__``
    and ``__pydantic_private__``, and its ``__dict__``) that is the slot's own setter, which
    skips the attribute look-up ``object.__setattr__`` makes on every call: ~35 ns less per
    store, a fifth of the time of constructing a model. Anything else gets
    ``object.__setattr__`` itself.
    """
    for klass in cls.__mro__:
        if name in vars(klass):
            descriptor = vars(klass)[name]
            if isinstance(descriptor, MemberDescriptorType | GetSetDescriptorType):
                return descriptor.__set__
            break

    def set_attribute(instance: Any, value: Any) -> None:
        object.__setattr__(instance, name, value)

    return set_attribute


class Constructor:
    """The compiled constructor ``construct_models`` maps over the columns of ``model``."""

    def __init__(self, model: type[BaseModel]) -> None:
        names = tuple(model.model_fields)
        if not all(name.isidentifier() for name in names):
            raise ValueError(f"field names must be identifiers: {names!r}")
        self.model = model
        self.names = names
        params = ", ".join(f"v{i}" for i in range(len(names)))
        # Stored one by one in field order into the instance's own (compact, shared-key) dict,
        # not assigned as a new dict: see banking.models._share_field_keys.
        stores = "".join(f"    d[{name!r}] = v{i}\n" for i, name in enumerate(names))
        source = (
            f"def make({params}):\n"
            "    m = new(model)\n"
            "    d = m.__dict__\n"
            f"{stores}"
            "    set_fields_set(m, fields_set)\n"
            "    set_extra(m, None)\n"
            "    set_private(m, None)\n"
            "    return m\n"
        )
        self._namespace: dict[str, Any] = {
            "new": model.__new__,
            "model": model,
            "set_fields_set": slot_setter(model, "__pydantic_fields_set__"),
            "set_extra": slot_setter(model, "__pydantic_extra__"),
            "set_private": slot_setter(model, "__pydantic_private__"),
        }
        exec(source, self._namespace)  # names are checked identifiers from the model's fields
        self._make = self._namespace["make"]

    def batch(self, lists: list[list[Any]]) -> list[BaseModel]:
        """One model per row of ``lists`` (one list per field, in field order); the models of
        one batch share a new fields-set (``make`` reads it from its namespace)."""
        self._namespace["fields_set"] = set(self.names)
        return list(map(self._make, *lists))


ONE_DAY = timedelta(days=1)
