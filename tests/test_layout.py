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
    """The package face included: nothing below it imports it (the version has a module
    of its own for the documents that print it)."""
    graph = _imports()
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


# The stages in the order data flows through them; a module may import its own stage and
# the stages before it.  (cli.py, above them all, is not in the package.)
STAGES = [
    ("shared", ("derive.version", "derive.errors", "derive.sizes", "derive.progress", "derive.bounded",
                "derive.functions", "derive.conditions", "derive.assumptions",
                "derive.entries")),
    ("read", ("derive.read",)),
    # What one derivative is about (its function, variable, sizes): the calculus's input.
    ("problem", ("derive.problem",)),
    ("calculus", ("derive.calculus",)),
    # A target is data read with the definition reader (what its names stand for); a
    # second derivative's is its gradient, derived by the calculus.
    ("catalogue", ("derive.catalog",)),
    ("record", ("derive.record",)),
    ("check", ("derive.check",)),
    ("pipeline", ("derive.forms", "derive.textbook", "derive.instances", "derive.mechanical",
                  "derive.derivation", "derive.definitions", "derive.second", "derive.at_scale",
                  "derive.point",
                  "derive.identities")),
    ("verdicts", ("derive.verdicts",)),
    ("render", ("derive.render", "derive.export", "derive.generated", "derive.testing")),
]
# Imports against the flow, each named: the claim reader asks the diagnoses for the
# message about a transposed matrix; the diagnoses print formulas with render's printer.
AGAINST_THE_FLOW = {("derive.read.claims", "derive.verdicts.diagnoses"),
                    ("derive.verdicts.diagnoses", "derive.render.unicode")}


def _stage(module: str) -> int:
    for number, (_name, prefixes) in enumerate(STAGES):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return number
    raise AssertionError(f"{module} is in no stage: add it to STAGES")


def test_every_module_has_a_stage_and_imports_run_with_the_flow():
    graph = _imports()
    against = {(a, b) for a, deps in graph.items() if a not in FACES
               for b in deps - FACES if _stage(b) > _stage(a)}
    assert against == AGAINST_THE_FLOW


def test_every_package_folder_is_installed():
    """``pip install .`` ships every folder of the package: pyproject's patterns match them
    all (a stage folder missing from an explicit list was a ModuleNotFoundError in CI)."""
    import fnmatch
    import tomllib
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    folders = {_module(init) for init in PACKAGE.rglob("__init__.py")}
    assert folders >= {"derive", "derive.read", "derive.calculus", "derive.check",
                       "derive.verdicts", "derive.render"}
    assert all(any(fnmatch.fnmatch(folder, p) for p in patterns) for folder in folders)


def test_the_quick_commands_start_without_numpy_and_the_verifier():
    """``derive list`` needs the catalogue, the derivation and a renderer: NumPy and the
    verifier are imported on first use (``derive.verify`` still works)."""
    import subprocess
    import sys
    code = ("import sys, cli, derive, derive.derivation, derive.render.text, "
            "derive.render.json, derive.bounded; "
            "print(sorted(m for m in ('numpy', 'derive.verdicts.verify') if m in sys.modules)); "
            "print(derive.verify.__module__)")
    done = subprocess.run([sys.executable, "-c", code], cwd=PACKAGE.parent,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.split("\n")[:2] == ["[]", "derive.verdicts.verify"], done.stderr
