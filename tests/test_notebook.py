"""The fairness notebook runs from top to bottom (nbclient, the venv's python3 kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "fairness.ipynb"


def test_the_fairness_notebook_runs_and_shows_its_charts(monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), (
        "commit the notebook without outputs"
    )
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,  # per cell: the solves are capped at 300 s each, far less on an idle machine
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 4  # load vs share, Lorenz curves, weekend/holiday, re-plan
    text = "".join(o.get("text", "") for o in outputs)
    assert "round-robin" in text and "linkedin" in text and "rota" in text
    assert "the re-plan moves" in text


pytestmark = pytest.mark.notebook
