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
