"""The analysis notebook runs headless against a sample run and saves its figures."""

import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import PROJECT_ROOT
from tests.fake_llm import CONSTANT_MODEL, MODEL
from tests.kedro_runs import SKILL, run_pipeline

FIGURES = [
    "pairs_by_type_and_agent",
    "refinement_effect",
    "curation_funnel_and_scores",
    "curation_by_question_type",
    "tokens_and_failures_by_stage",
    "evaluation_students",
]


@pytest.mark.slow
def test_analysis_notebook_executes_and_writes_its_figures(project, fake_teacher):
    run_pipeline(project, teacher_model=MODEL)
    students = f"{MODEL};{CONSTANT_MODEL}"  # two to compare, item by item
    run_pipeline(project, "evaluate", teacher_model=MODEL, students=students)
    notebook_path = project / "notebooks" / "analysis.ipynb"
    notebook_path.parent.mkdir()
    shutil.copy(PROJECT_ROOT / "notebooks" / "analysis.ipynb", notebook_path)

    notebook = nbformat.read(notebook_path, as_version=4)
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook_path.parent)}},
    ).execute()  # raises CellExecutionError on the first failing cell

    figures = project / "data" / "08_reporting" / SKILL / "figures"
    for name in FIGURES:
        png = (figures / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000, name
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert f"{SKILL}: 32 pairs" in printed
    assert "===== kept =====" in printed and "===== rejected =====" in printed
    assert "└─ document" in printed  # a pair walked back to its source
    assert f"[{CONSTANT_MODEL}] score" in printed  # the items where the students differ most
