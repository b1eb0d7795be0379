"""The import graph: the repository (src/python/repository, installed as ``banking_repository``)
uses only the entity table and the error types of ``banking``, never the loader, the stream or
the commands that build on it; and ``banking`` has no import cycle between its modules.

Read from the source with ``ast`` (every import, a function's lazy ones too), so a dependency
shows here whether or not a test happens to run the line that makes it.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REPOSITORY = ROOT / "src" / "python" / "repository"
# What the repository may import from banking: and, through them, nothing more (checked below).
REPOSITORY_MAY_USE = {"banking.entities", "banking.errors"}
FORBIDDEN = ("banking.graph", "banking.streaming", "banking.commands", "banking.services")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _banking_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in (ROOT / "banking").rglob("*.py")}


MODULES = _banking_modules()


def _resolve(name: str) -> str:
    """``name`` or the longest prefix of it that is a module of ``banking`` (``from a import
    b`` names a function of ``a`` or its submodule ``a.b``)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(path: Path, package: str, *, top_level_only: bool = False) -> set[str]:
    """Absolute names of the modules ``path`` imports (``from x import y``: ``x.y`` if that is a
    module of banking, else ``x``)."""
    tree = ast.parse(path.read_text(), str(path))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:  # a submodule itself, else a name defined in ``base``
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    return found


def _banking_imports(path: Path, package: str, **kwargs: bool) -> set[str]:
    names = {_resolve(n) for n in _imports(path, package, **kwargs) if n.startswith("banking.")}
    return {n for n in names if n}


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def test_the_repository_imports_only_the_entity_table_and_the_errors_of_banking():
    used: dict[str, set[str]] = {}
    files = sorted(REPOSITORY.glob("*.py"))
    assert len(files) >= 5
    for path in files:
        direct = {n for n in _imports(path, "banking_repository") if n.startswith("banking")}
        direct = {_resolve(n) or n for n in direct if not n.startswith("banking_repository")}
        direct.discard("")
        if direct - REPOSITORY_MAY_USE:
            used[path.name] = direct - REPOSITORY_MAY_USE
    assert used == {}


def test_what_the_repository_uses_reaches_no_layer_above_it():
    seen: set[str] = set()
    todo = list(REPOSITORY_MAY_USE)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = MODULES[module]
        todo.extend(_banking_imports(path, _package_of(module, path)))
    assert not [m for m in seen if m.startswith(FORBIDDEN)], sorted(seen)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(graph.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return cycles


def test_banking_has_no_import_cycle():
    # Module-level imports only: an import inside a function runs after both modules loaded.
    graph = {
        module: _banking_imports(path, _package_of(module, path), top_level_only=True) - {module}
        for module, path in MODULES.items()
    }
    assert len(graph) > 50 and graph["banking.graph.mapping"] >= {"banking.entities"}
    assert _cycles(graph) == []


def test_the_checkers_see_a_cycle_and_a_forbidden_import(tmp_path):
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    fake = tmp_path / "bad.py"
    fake.write_text("def f():\n    from banking.graph.mapping import to_epoch_millis\n")
    assert _banking_imports(fake, "banking_repository") == {"banking.graph.mapping"}
