"""The core knows no channel, store or scheduler: the import ban holds and is enforced."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BANNED = ("telegram", "aiosqlite", "sqlite3", "apscheduler", "storage", "handlers", "sandbox")
# The wiring point and the command line connect the core to its adapters.
ADAPTER_FILES = {ROOT / "bot" / "app.py", ROOT / "bot" / "__main__.py"}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_core_module_imports_an_adapter_or_its_library() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "bot").rglob("*.py")
        if path not in ADAPTER_FILES
        for module in imported_modules(path)
        if module.split(".")[0] in BANNED
    }
    assert offenders == set()


def _ruff() -> str:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip("ruff is not installed next to this Python")
    return found


@pytest.mark.parametrize(
    "line",
    [
        "from telegram import Bot",
        "import aiosqlite",
        "import sqlite3",
        "from apscheduler.triggers.date import DateTrigger",
        "from storage.sqlite.db import Database",
        "from handlers.telegram import callback_data",
    ],
)
def test_the_lint_rule_fails_a_core_module_that_imports_an_adapter(line: str) -> None:
    probe = f'"""A probe."""\n\n{line}\n\n__all__ = ["x"]\nx = 1\n'
    result = subprocess.run(
        [_ruff(), "check", "--stdin-filename", "bot/services/probe.py", "-"],
        input=probe,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stdout
    assert "TID251" in result.stdout


def test_the_wiring_point_may_import_adapters() -> None:
    probe = '"""A probe."""\n\nfrom telegram import Bot\n\n__all__ = ["Bot"]\n'
    result = subprocess.run(
        [_ruff(), "check", "--stdin-filename", "bot/app.py", "-"],
        input=probe,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "TID251" not in result.stdout
