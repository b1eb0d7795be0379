"""Instruction counts under Valgrind's callgrind: the suite's figures that repeat exactly.

Wall-clock figures on a shared 2-core machine move by +-15% for unchanged code, so they cannot
carry a verdict about a 3% change. The number of instructions an operation executes does not
depend on load, clock or neighbours: counted by callgrind with ASLR off and a fixed hash seed it
repeats to a few parts per million, run after run and machine after machine.

A ``Twin`` subclass gives a timed benchmark class a ``track_instructions_<op>`` for each of its
``time_<op>`` methods, with the same parameters::

    class GenerateInstructions(instructions.Twin):
        target = Generate
        ops = ("generate_batch", "generate_columns")

        def setup_cache(self):  # in each subclass: asv keys setup caches by module and line
            return self.measure()

``measure`` starts one child process per class under
``valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no``. The child runs the
target's own ``setup_cache``/``setup``/``time_<op>``/``teardown`` (the timed code and the counted
code are one piece of code) and switches counting on around the operation only, through
callgrind's client requests in a small C shim built here with the system ``cc``; imports and
setup run uninstrumented. Each parameter combination is run once uninstrumented first, so
one-time work (lazy imports, caches) is not counted and a combination's count does not depend on
which ran before it.

``CommandTwin`` counts a whole command instead (the CLI start-up), every instruction of the
process from exec to exit.

This module imports only the standard library: it is copied as is into the temporary
repositories of the gate's proof experiment (tests/tools).
"""

from __future__ import annotations

import compileall
import ctypes
import gc
import hashlib
import importlib
import importlib.util
import inspect
import itertools
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

UNIT = "instructions"
PREFIX = "track_instructions_"
# Bump when the way of counting changes (child protocol, valgrind options): asv then treats the
# counts as a new benchmark version instead of comparing them with the old way's.
PROTOCOL = "callgrind-3"

SHIM_SOURCE = r"""
#include <valgrind/callgrind.h>
int bgb_on_valgrind(void) { return RUNNING_ON_VALGRIND; }
void bgb_start(void) {
    CALLGRIND_START_INSTRUMENTATION;
    CALLGRIND_ZERO_STATS;
    CALLGRIND_TOGGLE_COLLECT;
}
void bgb_stop(const char *name) {
    CALLGRIND_TOGGLE_COLLECT;
    CALLGRIND_DUMP_STATS_AT(name);
    CALLGRIND_STOP_INSTRUMENTATION;
}
"""

# The child's whole environment: nothing from the caller's shell may change what runs.
_ENV_KEEP = ("PATH", "HOME", "TMPDIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
_ENV_FIXED = {
    "PYTHONHASHSEED": "0",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "LC_ALL": "C.UTF-8",
    "TZ": "UTC",
}


class Skip(NotImplementedError):
    """Raised in ``setup``: asv records a skip (no valgrind, or the target skipped)."""


class MeasureError(RuntimeError):
    """The child failed: the counted code raised, or valgrind did not run."""


# --- the machinery ------------------------------------------------------------------------------


def missing_tools() -> str | None:
    """Why counting is impossible on this machine, or None."""
    for tool, package in (("valgrind", "valgrind"), ("cc", "gcc"), ("setarch", "util-linux")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt-get install {package}): no instruction counts"
    return None


def shim_path() -> Path:
    """The client-request shim, built once per source text into the temporary directory."""
    digest = hashlib.sha256(SHIM_SOURCE.encode()).hexdigest()[:12]
    path = Path(tempfile.gettempdir()) / f"bgb-callgrind-{digest}.so"
    if path.exists():
        return path
    with tempfile.TemporaryDirectory(prefix="bgb-shim-") as tmp:
        src = Path(tmp) / "shim.c"
        src.write_text(SHIM_SOURCE, encoding="utf-8")
        built = Path(tmp) / "shim.so"
        proc = subprocess.run(
            ["cc", "-O2", "-shared", "-fPIC", "-o", str(built), str(src)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            first = (proc.stderr.strip().splitlines() or ["cc failed"])[0]
            raise Skip(f"cannot build the callgrind shim (valgrind headers missing?): {first}")
        os.replace(built, path)  # atomic: concurrent builders agree on the result
    return path


def child_env() -> dict[str, str]:
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.update(_ENV_FIXED)
    return env


def valgrind_command(out_dir: Path, *, whole_process: bool) -> list[str]:
    """``setarch -R valgrind --tool=callgrind ...``: ASLR off, counting off until asked for
    (or on from the start for a whole process)."""
    flags = (
        ["--instr-atstart=yes", "--collect-atstart=yes"]
        if whole_process
        else [
            "--instr-atstart=no",
            "--collect-atstart=no",
        ]
    )
    return [
        "setarch", platform.machine(), "-R",
        "valgrind", "--tool=callgrind", "-q", *flags,
        f"--callgrind-out-file={out_dir}/callgrind.out.%p",
    ]  # fmt: skip


def read_dumps(out_dir: Path) -> dict[str, int]:
    """Instruction total of every callgrind dump in ``out_dir`` by its trigger: the name given
    to ``bgb_stop`` for client-request dumps, ``"exit"`` for the dump at program termination."""
    counts: dict[str, int] = {}
    for path in sorted(out_dir.glob("callgrind.out.*")):
        trigger, total = None, None
        with path.open(encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("desc: Trigger: "):
                    trigger = line.removeprefix("desc: Trigger: ").strip()
                elif line.startswith(("summary:", "totals:")):
                    total = int(line.split()[1])
                    break
        if trigger is None or total is None:
            continue
        if trigger.startswith("Client Request: "):
            counts[trigger.removeprefix("Client Request: ")] = total
        elif trigger.startswith("Program termination"):
            counts["exit"] = total
    return counts


def param_grid(params: Any) -> list[tuple]:
    """Every parameter combination, in asv's order (a flat ``params`` is one parameter)."""
    if params is None or (isinstance(params, list | tuple) and len(params) == 0):
        return [()]
    if not isinstance(params[0], list | tuple):
        params = [params]
    return list(itertools.product(*params))


def combo_key(op: str, combo: Sequence[Any]) -> str:
    return f"{op}{tuple(combo)!r}"


def _source_of(obj: Any) -> str:
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError):
        return getattr(obj, "__qualname__", repr(obj))


# --- the child (runs under valgrind) ------------------------------------------------------------


class _Shim:
    def __init__(self, path: str) -> None:
        self.lib = ctypes.CDLL(path)
        self.lib.bgb_stop.argtypes = [ctypes.c_char_p]
        if not self.lib.bgb_on_valgrind():
            raise MeasureError("the child is not running under valgrind")

    def count(self, name: str, fn: Callable[[], Any]) -> None:
        gc.collect()  # garbage of earlier work is not this operation's
        self.lib.bgb_start()
        try:
            fn()
        finally:
            self.lib.bgb_stop(name.encode())


def _import_suite(package_dir: str, module: str) -> Any:
    """Import ``module`` of the benchmark package in ``package_dir`` the way asv does: that
    package alone from its folder, never the folder above it on sys.path, which in a checkout
    holds the project's source tree and would shadow the package installed for the commit."""
    name = module.split(".")[0]
    spec = importlib.util.spec_from_file_location(
        name, Path(package_dir) / "__init__.py", submodule_search_locations=[package_dir]
    )
    if spec is None or spec.loader is None:
        raise MeasureError(f"cannot import the benchmark package from {package_dir}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return importlib.import_module(module)


def _run_target(spec: dict) -> dict[str, dict]:
    module = _import_suite(spec["package_dir"], spec["module"])
    cls = getattr(module, spec["cls"])
    grid = param_grid(getattr(module, spec["twin"]).params)
    # Priming (no valgrind): every combination once, so that each module the work imports has
    # its bytecode cache written before the counted run, which then never compiles.
    shim = None if spec["prime"] else _Shim(spec["shim"])
    passes = (False,) if spec["prime"] else (False, True)
    cache_args: tuple = ()
    if hasattr(cls, "setup_cache"):
        cache_args = (cls().setup_cache(),)
    out: dict[str, dict] = {}
    for n, combo in enumerate(grid):
        for op in spec["ops"]:
            key = combo_key(op, combo)
            name = f"bgb-{n}-{op}"
            try:
                for measured in passes:
                    bench = cls()
                    args = (*cache_args, *combo)
                    if hasattr(bench, "setup"):
                        bench.setup(*args)
                    method = getattr(bench, f"time_{op}")
                    try:
                        if measured and shim is not None:
                            shim.count(name, lambda m=method, a=args: m(*a))
                        else:
                            method(*args)
                    finally:
                        if hasattr(bench, "teardown"):
                            bench.teardown(*args)
                out[key] = {"dump": name}
            except NotImplementedError as exc:
                out[key] = {"skip": str(exc) or type(exc).__name__}
            except Exception as exc:
                out[key] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def _child_main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result = _run_target(spec)
    Path(spec["out"]).write_text(json.dumps(result), encoding="utf-8")


# --- the parent (runs in asv's benchmark process) -----------------------------------------------


def _package_dir(module_name: str) -> str:
    """The folder of the benchmark package that ``module_name`` belongs to."""
    top = sys.modules[module_name.split(".")[0]]
    return str(Path(top.__file__).resolve().parent)


def count_target(twin: type, timeout: float) -> dict[str, Any]:
    """Count every ``time_<op>`` of ``twin.target`` for every parameter combination of
    ``twin.params`` (the target's, or a subset) in one child.

    Returns ``{"counts": {key: int}, "skips": {key: reason}, "errors": {key: message}}``
    keyed by :func:`combo_key`.
    """
    reason = missing_tools()
    if reason:
        raise Skip(reason)
    target = twin.target
    if target.__module__ != twin.__module__:
        raise TypeError(f"{twin.__name__} and its target must live in one module")
    shim = shim_path()
    package_dir = _package_dir(target.__module__)
    # Bytecode caches are written before the counted run (here for the suite, by a priming run
    # of the child for everything the work imports): compiling a module in the counted child
    # leaves its heap laid out otherwise, which moved an allocating loop's count by 0.8% in
    # the first run after a fresh install.
    compileall.compile_dir(package_dir, quiet=2)
    with tempfile.TemporaryDirectory(prefix="bgb-callgrind-") as tmp:
        work = Path(tmp)
        spec = {
            "package_dir": package_dir,
            "module": target.__module__,
            "cls": target.__name__,
            "twin": twin.__name__,
            "ops": list(twin.ops),
            "shim": str(shim),
            "out": str(work / "result.json"),
        }
        child = [sys.executable, str(Path(__file__).resolve())]
        # The priming run writes its own result file: a counted child that died must not
        # leave the priming run's answers to be read as its own.
        prime = {**spec, "prime": True, "out": str(work / "prime-result.json")}
        (work / "prime.json").write_text(json.dumps(prime), encoding="utf-8")
        _run([*child, str(work / "prime.json")], timeout)
        (work / "spec.json").write_text(json.dumps({**spec, "prime": False}), encoding="utf-8")
        cmd = [*valgrind_command(work, whole_process=False), *child, str(work / "spec.json")]
        proc = _run(cmd, timeout)
        if not (work / "result.json").exists():
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            raise MeasureError(
                f"callgrind child for {target.__name__} exited {proc.returncode}: {tail}"
            )
        result = json.loads((work / "result.json").read_text(encoding="utf-8"))
        dumps = read_dumps(work)
    counts, skips, errors = {}, {}, {}
    for key, entry in result.items():
        if "dump" in entry:
            if entry["dump"] not in dumps:
                errors[key] = f"callgrind wrote no dump named {entry['dump']}"
            else:
                counts[key] = dumps[entry["dump"]]
        elif "skip" in entry:
            skips[key] = entry["skip"]
        else:
            errors[key] = entry["error"]
    return {"counts": counts, "skips": skips, "errors": errors}


def count_command(cmd: Sequence[str], timeout: float) -> int:
    """Every instruction ``cmd`` executes, from exec to exit, under callgrind."""
    reason = missing_tools()
    if reason:
        raise Skip(reason)
    # Once without valgrind first: a module without its cached bytecode is compiled (and the
    # cache written) there, not counted, so the count does not depend on which ran before.
    with tempfile.TemporaryDirectory(prefix="bgb-callgrind-") as tmp:
        work = Path(tmp)
        _run(list(cmd), timeout)
        proc = _run([*valgrind_command(work, whole_process=True), *cmd], timeout)
        if proc.returncode != 0:
            tail = " | ".join(proc.stderr.strip().splitlines()[-3:])
            raise MeasureError(f"{' '.join(cmd)} exited {proc.returncode} under callgrind: {tail}")
        dumps = read_dumps(work)
    if "exit" not in dumps:
        raise MeasureError(f"callgrind wrote no dump for {' '.join(cmd)}")
    return dumps["exit"]


def quiet_cwd() -> Path:
    """The children's working directory: an empty folder of a fixed name. Empty, because
    ``python -m`` puts the working directory first on sys.path and a checkout there would
    shadow the installed package; fixed, because a random name moves the counts (by ~0.1% in
    an allocating loop: strings of other contents, a heap laid out otherwise)."""
    path = Path(tempfile.gettempdir()) / "bgb-callgrind-cwd"
    path.mkdir(exist_ok=True)
    return path


def _run(cmd: list[str], timeout: float) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            cmd,
            cwd=quiet_cwd(),
            env=child_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MeasureError(f"callgrind child did not finish within {timeout:.0f}s") from None


# --- the asv classes ----------------------------------------------------------------------------


def _measured_or_reason(measure: Callable[[], dict]) -> dict | str:
    """For ``setup_cache``, which must not raise (asv would fail every benchmark of the class):
    the counts, or a skip reason that ``setup`` raises."""
    try:
        return measure()
    except NotImplementedError as exc:
        return str(exc)


def _install(cls: type, op: str, track: Callable[..., int], source: str, header: str) -> None:
    """Put ``track`` on ``cls`` as ``track_instructions_<op>``, as asv reads it."""
    track.__name__ = track.__qualname__ = PREFIX + op
    track.unit = UNIT
    # The count is of the measured code: its asv version follows that code and the protocol,
    # not this file, so an edit here does not cut the history.
    track.version = hashlib.sha256(f"{PROTOCOL}\n{source}".encode()).hexdigest()
    track.pretty_source = f"{header}\n{source}"
    setattr(cls, PREFIX + op, track)


class _Counted:
    """asv settings of a count: one value, no warm-up (the child warms up itself)."""

    ops: tuple[str, ...] = ()
    number = 1
    repeat = 1
    rounds = 1
    warmup_time = 0.0


class Twin(_Counted):
    """Base of the instruction-count twins; see the module docstring."""

    target: type
    timeout = 900  # one child counts every combination; setup_cache gets this too

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        target = cls.__dict__.get("target")
        if target is None:
            return
        missing = [op for op in cls.ops if not hasattr(target, f"time_{op}")]
        if missing:
            raise TypeError(f"{target.__name__} has no time_{missing[0]}")
        if "setup_cache" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must define setup_cache (asv keys it by line)")
        if "params" not in cls.__dict__:  # a subclass may count a subset of the combinations
            cls.params = getattr(target, "params", [])
            cls.param_names = getattr(target, "param_names", [])
        for op in cls.ops:

            def track(self: Any, measured: dict, *params: Any, _op: str = op) -> int:
                key = combo_key(_op, params)
                if key in measured["errors"]:
                    raise MeasureError(f"time_{_op}{tuple(params)!r}: {measured['errors'][key]}")
                return measured["counts"][key]

            counted = [getattr(target, f"time_{op}"), getattr(target, "setup", None)]
            counted.append(getattr(target, "setup_cache", None))
            source = "\n".join(_source_of(f) for f in counted if f is not None)
            header = f"# instructions of {target.__name__}.time_{op} under callgrind"
            _install(cls, op, track, source, f"{header} (benchmarks/instructions.py)")

    def measure(self) -> dict | str:
        return _measured_or_reason(lambda: count_target(type(self), self.timeout - 30))

    def setup(self, measured: dict | str, *params: Any) -> None:
        if isinstance(measured, str):
            raise Skip(measured)
        for op in self.ops:
            reason = measured["skips"].get(combo_key(op, params))
            if reason:
                raise Skip(reason)


class CommandTwin(_Counted):
    """Whole-process instruction counts of commands: ``command(op, *params)`` in a subclass
    gives the command line of each op; counted from exec to exit (interpreter start included,
    which is what a start-up benchmark is about)."""

    timeout = 600

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for op in cls.ops:

            def track(self: Any, *params: Any, _op: str = op) -> int:
                return count_command(self.command(_op, *params), self.timeout - 30)

            source = _source_of(cls.command) if "command" in cls.__dict__ else ""
            _install(cls, op, track, source, "# whole-process instructions under callgrind")

    def setup(self, *params: Any) -> None:
        reason = missing_tools()
        if reason:
            raise Skip(reason)

    def command(self, op: str, *params: Any) -> list[str]:
        raise NotImplementedError


if __name__ == "__main__":
    # Run as a script, Python put this folder first on sys.path, where the suite's modules
    # (cli, streaming, ...) would shadow real ones; the child imports the suite as a package.
    here = Path(__file__).resolve().parent
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != here]
    _child_main(sys.argv[1])
