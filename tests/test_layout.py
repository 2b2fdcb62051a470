"""The package's imports run one way: no module imports, even lazily inside a function, a
module that imports it back (directly or through others)."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "derive"


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every derive module → the derive modules it imports (``from . import x`` as the
    submodule x when there is one), at any depth of the code, TYPE_CHECKING included."""
    modules = {_module(path): path for path in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[:len(package.split(".")) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    submodule = f"{target}.{alias.name}"
                    found.add(submodule if submodule in modules else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {m for m in found if m in modules and m != name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None (depth-first search, colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in colour:
                found = visit(nxt)
                if found:
                    return found
        colour[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in colour:
            found = visit(node)
            if found:
                return found
    return None


# The package's face imports every stage to hand its names on; its own imports are not
# a stage's.  Everything else must form no cycle.
FACES = {"derive"}


def test_no_module_imports_back_what_imports_it():
    graph = {name: deps - FACES for name, deps in _imports().items() if name not in FACES}
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_renderers_are_read_only_by_the_command_line_and_export():
    """Nothing below the renderers imports one (the package's face registers the Jupyter
    formatters when IPython runs; the diagnoses still format with the Unicode printer)."""
    allowed = {"derive.export", "derive.testing", "derive"} | {
        name for name in _imports() if name.startswith("derive.render")}
    readers = {name for name, deps in _imports().items()
               if any(d.startswith("derive.render") for d in deps)}
    assert readers - allowed == {"derive.diagnoses"}
