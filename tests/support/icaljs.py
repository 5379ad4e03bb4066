"""Mozilla's ical.js, through the Node harness in tests/js: a second reader of the feeds."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS_DIR = Path(__file__).resolve().parents[1] / "js"


def ical_js_events(path: Path) -> list[dict]:
    """Parse an .ics file with Mozilla's ical.js through the Node harness."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: cannot cross-check feeds with ical.js")
    if not (JS_DIR / "node_modules" / "ical.js").is_dir():
        pytest.skip("tests/js/node_modules is missing: run `npm ci --prefix tests/js` first")
    result = subprocess.run(
        ["node", str(JS_DIR / "parse_ical.js"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
