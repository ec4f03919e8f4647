"""The rules of the house that a machine can check."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORK_IMPORT = re.compile(r"^\s*(from|import)\s+(aiogram|telegram)\b", re.M)
WALL_CLOCK = re.compile(r"datetime\.now\(|datetime\.utcnow\(|time\.time\(")


def python_files(*folders: str) -> list[Path]:
    return [p for folder in folders for p in (ROOT / folder).rglob("*.py")]


def test_the_core_never_imports_a_telegram_framework() -> None:
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files("bot", "conversations", "storage", "locales")
        if FRAMEWORK_IMPORT.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_services_take_time_from_the_clock() -> None:
    allowed = {ROOT / "bot" / "clock.py"}
    offenders = [
        str(p.relative_to(ROOT))
        for p in python_files("bot", "conversations", "storage")
        if p not in allowed and "emulator" not in p.parts and p.name != "bench.py"
        if WALL_CLOCK.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_cli_loads_no_framework_until_one_is_chosen() -> None:
    code = (
        "import sys, bot.cli, bot.runtime.dispatcher, bot.simulation\n"
        "print(any(m.split('.')[0] in ('aiogram', 'telegram') for m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def imported_modules(path: Path) -> list[str]:
    """Every module an ``import`` names in the file, dotted, relative imports resolved from its folder."""
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            folder = path.relative_to(ROOT).parent.parts  # e.g. ("tests", "e2e")
            package = folder[: len(folder) - node.level + 1] if node.level else ()
            module = ".".join([*package, *([node.module] if node.module else [])])
            # ``from tests.e2e import test_x`` imports the module tests.e2e.test_x
            names += [module, *(f"{module}.{alias.name}" for alias in node.names)]
    return names


def test_no_test_module_imports_another() -> None:
    """Shared journeys live in tests/journeys.py and shared fixtures in conftest.py, not in test modules."""
    offenders = [
        f"{p.relative_to(ROOT)}: {name}"
        for p in sorted((ROOT / "tests").rglob("test_*.py"))
        for name in imported_modules(p)
        if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
    ]
    assert offenders == []


# --- the layers ---------------------------------------------------------------------------------
# Imports go one way: storage ← kernel ← services ← conversations ← features / runtime ← composition
# root ← entry points and developer tools. Each package's docstring says the same in words.

KERNEL_NAMES = ("adapter", "callbacks", "clock", "config", "context", "events", "feature", "i18n")
KERNEL = {"bot", "bot.messenger", "bot.rules", *(f"bot.{name}" for name in KERNEL_NAMES)}
BELOW_ROOT = {"storage", "locales", "kernel", "services", "conversations", "features", "runtime"}
LAYERS: tuple[tuple[str, set[str]], ...] = (  # (layer, the layers it may import), in order
    ("storage", {"storage"}),
    ("locales", set()),
    ("kernel", {"storage", "locales", "kernel"}),
    ("services", {"storage", "kernel", "services"}),
    ("conversations", {"storage", "kernel", "services", "conversations"}),
    ("features", {"storage", "kernel", "services", "conversations"}),  # not one another
    ("runtime", {"storage", "kernel", "services", "conversations", "runtime"}),
    ("root", {*BELOW_ROOT, "root"}),
    ("handlers", {"kernel", "handlers"}),
    ("tools", {*BELOW_ROOT, "root", "tools"}),
)
ALLOWED = dict(LAYERS)


def layer_of(module: str) -> str:
    top, _, rest = module.partition(".")
    if top in ("storage", "locales", "conversations", "handlers"):
        return top
    if module in KERNEL:
        return "kernel"
    second = rest.partition(".")[0]
    if second in ("services", "features", "runtime"):
        return second
    if second in ("app", "admin"):
        return "root"
    return "tools"  # the CLI (and tandem/), the simulation, devtools, the emulator, the demo


def our_modules() -> dict[str, Path]:
    modules = {}
    for path in python_files("bot", "conversations", "storage", "handlers", "locales", "tandem"):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def runtime_imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Our modules this file imports, at the top or inside a function; what only the type checker
    reads (``if TYPE_CHECKING:``) is left out: it never runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for node in ast.walk(block)
    }
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in modules:  # ``from bot.events import Inbound`` → bot.events
                name = name.rpartition(".")[0]
            if name:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = our_modules()
    return {name: runtime_imports(path, modules) - {name} for name, path in modules.items()}


def test_each_layer_imports_only_the_layers_below_it() -> None:
    offenders = [
        f"{module} ({layer_of(module)}) imports {imported} ({layer_of(imported)})"
        for module, imports in sorted(import_graph().items())
        for imported in sorted(imports)
        if layer_of(imported) not in ALLOWED[layer_of(module)]
    ]
    assert offenders == []


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for successor in graph.get(node, ()):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    assert cycles(import_graph()) == []


def test_the_checks_catch_a_forbidden_import_and_a_circle() -> None:
    """The two checks above, on a made-up graph: a service reaching up to a feature, and a circle."""
    graph = {"bot.services.a": {"bot.features.b"}, "bot.features.b": {"bot.services.a"}}
    assert layer_of("bot.features.b") not in ALLOWED[layer_of("bot.services.a")]
    assert cycles(graph) == [["bot.features.b", "bot.services.a"]]


def test_few_modules_directly_in_bot() -> None:
    """The kernel and the entry points; everything else has a folder that says what it is."""
    direct = sorted(p.name for p in (ROOT / "bot").glob("*.py"))
    assert len(direct) <= 16, direct
