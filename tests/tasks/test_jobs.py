"""The one pattern for background work: apps name actors (commerce.jobs); tasks/ registers them. Every name an
app's jobs module sends must be a registered actor, and the import contracts hold (scripts/test.py and
`make lint` run `lint-imports`; this keeps the contracts inside any pytest run too)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import dramatiq
import pytest

from commerce import jobs

BASE_DIR = Path(__file__).resolve().parents[2]
SENDERS = {"send", "send_on_commit", "schedule_durable"}


def _named_actors() -> set[tuple[str, str]]:
    found = set()
    for path in [*BASE_DIR.glob("commerce/**/jobs.py"), BASE_DIR / "cms/jobs.py", BASE_DIR / "commerce/mail.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in SENDERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add((str(path.relative_to(BASE_DIR)), first.value))
    return found


def test_every_actor_an_app_names_is_registered():
    named = _named_actors()
    assert len({name for _, name in named}) >= 15  # the jobs modules were found and read
    declared = set(dramatiq.get_broker().get_declared_actors())
    assert {(path, name) for path, name in named if name not in declared} == set()


def test_an_unknown_actor_name_fails_at_the_send():
    with pytest.raises(dramatiq.errors.ActorNotFound):
        jobs.send("no_such_task")


def test_the_import_contracts_hold():
    command = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(command), "--no-cache"], cwd=BASE_DIR, capture_output=True, text=True, env={"PYTHONPATH": str(BASE_DIR)}
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_make_test_stops_before_any_test_when_a_contract_breaks(tmp_path):
    broken = tmp_path / "contracts.toml"
    broken.write_text(
        (BASE_DIR / "pyproject.toml").read_text()
        + '\n[[tool.importlinter.contracts]]\nname = "catalog imports no links (broken on purpose)"\n'
        + 'type = "forbidden"\nsource_modules = ["commerce.catalog"]\nforbidden_modules = ["commerce.links"]\n'
    )
    result = subprocess.run(
        [sys.executable, "scripts/test.py", "tests/tasks/test_jobs.py"],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "IMPORT_LINTER_CONFIG": str(broken)},
    )
    assert result.returncode == 1
    assert "1 broken" in result.stdout
    assert "no tests run" in result.stdout and "pytest on SQLite" not in result.stdout
