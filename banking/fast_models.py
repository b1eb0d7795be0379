"""The one way to build trusted pydantic models fast: the same instances validation would build,
without running pydantic's generic machinery.

``FastModel(Model)`` compiles, once per model, a constructor specialised to its fields (the
technique ``dataclasses`` uses). It offers three entries, all producing the object state
``model_validate`` produces for every field given (``__dict__`` in field order, every field in
the fields-set, no extra, no private):

- ``make(*values)`` / ``batch(lists)``: values known valid (the generators' columns);
- ``adopt(fields)``: a dict already holding every field in order (a parsed event);
- ``build(**values)``: values believed valid (the typology records). A check derived from the
  model's declarations (exact types, ``Field`` constraints, literals, and the model's own
  field and "after" model validators, called as pydantic calls them) decides whether validation
  would accept them unchanged; if anything fails, the model validates them itself, so an
  invalid value raises pydantic's ``ValidationError`` as before. Nothing is restated here; a
  declaration no check is derived for (``unchecked`` says which) makes ``build`` validate.

Every instance of one ``FastModel`` shares one read-only fields-set (``AllFieldsSet``): a
model built here has all its fields set, frozen models never add to the set, and one shared
set saves ~200 bytes and an allocation per model. ``BankModel`` subclasses also register their
field names as the class's shared instance-dict keys (``share_field_keys``) so that ``make``
fills compact dicts.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from types import GetSetDescriptorType, MemberDescriptorType, NoneType, UnionType
from typing import Any, Generic, Literal, TypeVar, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# Config options under which validation changes a value the derived check would pass as is.
_TRANSFORMING_CONFIG = (
    "str_strip_whitespace",
    "str_to_lower",
    "str_to_upper",
    "str_min_length",
    "str_max_length",
    "coerce_numbers_to_str",
    "use_enum_values",
)
_BOUNDS = {Gt: ("gt", ">"), Ge: ("ge", ">="), Lt: ("lt", "<"), Le: ("le", "<=")}


def share_field_keys(cls: type[BaseModel]) -> None:
    """Register the field names in the class's shared instance-dict keys (CPython 3.11+).

    CPython gives the instances of a class a compact ``__dict__`` (values only, the keys
    shared by the class) when attributes are stored in the order the class first saw them.
    The class learns its key order from its first few instances only; pydantic replaces
    ``__dict__`` wholesale, so it never teaches one. Storing each field once on a throwaway
    instance, right at class creation, lets ``FastModel.make`` fill compact dicts: ~250 fewer
    bytes per Person, ~110 per Transaction. Elsewhere a no-op.
    """
    probe = cls.__new__(cls)
    for name in cls.model_fields:
        object.__setattr__(probe, name, None)


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


def object_state(instance: BaseModel) -> tuple[Any, ...]:
    """Everything that makes up a model instance's state, with the exact type of each value:
    what an instance built here has in common with the one validation builds (the tests'
    measure of "the same model")."""
    return (
        type(instance),
        [(name, type(value), value) for name, value in instance.__dict__.items()],
        instance.__pydantic_fields_set__,
        instance.__pydantic_extra__,
        instance.__pydantic_private__,
    )


class AllFieldsSet(set):
    """The ``__pydantic_fields_set__`` every instance of one ``FastModel`` shares, read-only.

    pydantic needs a ``set`` (its serializer rejects a frozenset); the mutators raise, and
    copies (``model_copy``, ``copy``, pickling) are ordinary sets.
    """

    __slots__ = ()

    def _read_only(self, *args: Any) -> None:
        raise TypeError("the fields set of a model built by banking.fast_models is read-only")

    add = discard = remove = pop = clear = update = _read_only  # type: ignore[assignment]
    intersection_update = difference_update = symmetric_difference_update = _read_only  # type: ignore[assignment]
    __ior__ = __iand__ = __isub__ = __ixor__ = _read_only  # type: ignore[assignment]

    def __copy__(self) -> set[str]:
        return set(self)

    def __deepcopy__(self, memo: Any) -> set[str]:
        return set(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (set, (sorted(self),))


class FastModel(Generic[M]):
    """The compiled constructors of one model class; see the module docstring."""

    def __init__(self, model: type[M]) -> None:
        names = tuple(model.model_fields)
        if not all(name.isidentifier() and not name.startswith("_") for name in names):
            raise ValueError(f"field names must be public identifiers: {names!r}")
        if model.__pydantic_post_init__ or model.__private_attributes__:
            raise TypeError(f"{model.__name__} has private attributes or a post-init hook")
        self.model = model
        self.names = names
        self.fields_set = AllFieldsSet(names)
        self._namespace: dict[str, Any] = {
            # Every name starts with "_", which no field name does, so none is shadowed.
            "_new": model.__new__,
            "_model": model,
            "_fields_set": self.fields_set,
            "_set_dict": slot_setter(model, "__dict__"),
            "_set_fields_set": slot_setter(model, "__pydantic_fields_set__"),
            "_set_extra": slot_setter(model, "__pydantic_extra__"),
            "_set_private": slot_setter(model, "__pydantic_private__"),
            **{f"_{f.__name__}": f for f in (type, len, all, str, dict, datetime)},
            "_isfinite": math.isfinite,
        }
        try:
            check, after = _derived_check(model, self._namespace)
            self.unchecked: str | None = None
        except TypeError as exc:  # build validates every time, and says why here
            check, after, self.unchecked = "False", [], str(exc)
        params = ", ".join(names)
        # Stored one by one in field order into the instance's own (compact, shared-key) dict,
        # not assigned as a new dict: see share_field_keys.
        stores = "".join(f"    _d[{name!r}] = {name}\n" for name in names)
        slots = (
            "    _set_fields_set(_m, _fields_set)\n"
            "    _set_extra(_m, None)\n"
            "    _set_private(_m, None)\n"
        )
        fill = f"    _m = _new(_model)\n    _d = _m.__dict__\n{stores}{slots}"
        indented = "".join(f"        {line}\n" for line in fill.splitlines())
        after_ok = "".join(f" and {fn}(_m) is _m" for fn in after)
        keywords = ", ".join(f"{name}={name}" for name in names)
        self.source = (
            f"def make({params}):\n{fill}    return _m\n\n"
            "def adopt(_fields):\n    _m = _new(_model)\n    _set_dict(_m, _fields)\n"
            f"{slots}    return _m\n\n"
            f"def build({params}):\n"
            "    try:\n"
            f"        if {check}:\n"
            f"{indented}"
            f"            if True{after_ok}:\n"
            "                return _m\n"
            "    except Exception:\n"
            "        pass  # validation below gives the verdict and the reason\n"
            f"    return _model({keywords})\n"
        )
        exec(self.source, self._namespace)  # names are checked identifiers from the model's fields
        self.make: Callable[..., M] = self._namespace["make"]
        self.adopt: Callable[[dict[str, Any]], M] = self._namespace["adopt"]
        self.build: Callable[..., M] = self._namespace["build"]

    def batch(self, lists: list[list[Any]]) -> list[M]:
        """One model per row of ``lists`` (one list per field, in field order)."""
        return list(map(self.make, *lists))


def _derived_check(model: type[BaseModel], namespace: dict[str, Any]) -> tuple[str, list[str]]:
    """Python source of a condition true only if validation would accept the fields (named
    as the parameters) unchanged, and the names of the "after" model validators to call on
    the built instance; the objects they refer to are put in ``namespace``.

    A declaration this cannot derive a check from raises TypeError: a model that needs one
    is validated, not built here.
    """
    config = model.model_config
    for key in _TRANSFORMING_CONFIG:
        if config.get(key):
            raise TypeError(f"{model.__name__}: config {key} changes values")
    if config.get("extra") == "allow":
        raise TypeError(f"{model.__name__}: extra fields allowed")
    terms: list[str] = []
    for name, info in model.model_fields.items():
        if info.alias or info.validation_alias:
            raise TypeError(f"{model.__name__}.{name}: validated under an alias")
        term = _type_check(name, info.annotation, namespace)
        terms.append(term + "".join(_constraint(name, item) for item in info.metadata))
    decorators = model.__pydantic_decorators__
    if decorators.validators or decorators.root_validators:
        raise TypeError(f"{model.__name__}: v1-style validators")
    for i, (key, dec) in enumerate(decorators.field_validators.items()):
        if dec.info.mode != "after" or _takes_info(dec.func, 1):
            mode = dec.info.mode
            raise TypeError(f"{model.__name__}.{key}: a {mode} validator (only 'after' ones)")
        namespace[f"_fv{i}"] = dec.func
        fields = model.model_fields if "*" in dec.info.fields else dec.info.fields
        terms.extend(f"_fv{i}({field}) is {field}" for field in fields)
    after = []
    for i, (key, dec) in enumerate(decorators.model_validators.items()):
        if dec.info.mode != "after" or _takes_info(dec.func, 1):
            mode = dec.info.mode
            raise TypeError(f"{model.__name__}.{key}: a {mode} model validator (only 'after' ones)")
        namespace[f"_mv{i}"] = dec.func
        after.append(f"_mv{i}")
    return "(True" + "".join(f"\n            and {t}" for t in terms) + ")", after


def _takes_info(func: Any, plain: int) -> bool:
    """Whether a validator wants the ``info`` argument (more than ``plain`` parameters)."""
    try:
        return len(inspect.signature(func).parameters) > plain
    except (TypeError, ValueError):
        return True


def _type_check(name: str, annotation: Any, namespace: dict[str, Any]) -> str:
    """A test that ``name`` already is what validation turns a value of ``annotation`` into."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, UnionType) and len(args) == 2 and NoneType in args:
        inner = next(a for a in args if a is not NoneType)
        return f"({name} is None or {_type_check(name, inner, namespace)})"
    if origin is Literal and all(type(a) is str for a in args):
        key = f"_literal_{name}"
        namespace[key] = frozenset(args)
        return f"(_type({name}) is _str and {name} in {key})"
    if annotation is datetime:  # an aware one is rebuilt by validation with its own tzinfo
        return f"(_type({name}) is _datetime and {name}.tzinfo is None)"
    if origin is dict and args and args[0] is str and args[1] is Any:
        # validation copies a dict: equal, not the same object; keys must be strings
        return f"(_type({name}) is _dict and _all(_type(_k) is _str for _k in {name}))"
    if annotation in (str, int, float, bool, date) or (
        isinstance(annotation, type) and issubclass(annotation, Enum)
    ):
        key = f"_type_{name}"
        namespace[key] = annotation
        return f"(_type({name}) is {key})"
    raise TypeError(f"no derived check for {name}: {annotation!r}")


def _constraint(name: str, item: Any) -> str:
    if type(item) in _BOUNDS:
        attr, op = _BOUNDS[type(item)]
        bound = getattr(item, attr)
        if type(bound) in (int, float):
            return f" and {name} {op} {bound!r}"
    if isinstance(item, MinLen):
        return f" and _len({name}) >= {item.min_length}"
    if isinstance(item, MaxLen):
        return f" and _len({name}) <= {item.max_length}"
    if getattr(item, "allow_inf_nan", None) is False and not vars(item).keys() - {"allow_inf_nan"}:
        return f" and _isfinite({name})"
    raise TypeError(f"no derived check for {name}: {item!r}")
