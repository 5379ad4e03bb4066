"""`rota` starts fast: importing the command loads none of the heavy libraries.

The solver, the database, the reports and the web load inside the commands that use them, so
`rota --help` and a mistyped option answer at once. A fresh interpreter is the only honest place
to look: the test process itself has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("ortools", "pandas", "sqlalchemy", "flask", "matplotlib")


def modules_loaded_by(statement: str) -> list[str]:
    probe = (
        f"{statement}; import json, sys; "
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_importing_the_command_loads_no_heavy_library() -> None:
    assert modules_loaded_by("import scheduler.cli") == []


def test_help_loads_no_heavy_library() -> None:
    statement = (
        "from click.testing import CliRunner; from scheduler.cli import main; "
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0; "
        "assert CliRunner().invoke(main, ['plan', '--help']).exit_code == 0"
    )
    assert modules_loaded_by(statement) == []
