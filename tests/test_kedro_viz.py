"""Kedro-Viz shows the reading_comprehension pipeline, checked in headless Chromium."""

import subprocess
import sys
from pathlib import Path

import pytest

from agentinstruct.devtools.scratch_project import scratch_project
from agentinstruct.devtools.viz_check import chromium_path, render_pipeline
from tests.conftest import PROJECT_ROOT

pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    pytest.mark.skipif(
        chromium_path() is None,
        reason="no Chromium: `apt-get install chromium` or set CHROMIUM_PATH",
    ),
]
STAGE_NODES = {
    "ingest_documents",
    "partition_documents",
    "pick_partition",
    "chunk_documents",
    "check_flow_documents",
    "plan_partition",
    "transform_passages",
    "generate_seed_instructions",
    "refine_instructions",
    "answer_instructions",
    "assemble_pairs",
    "check_flow_pairs",
    "judge_flow_pairs",
    "summarize_partition",
    "gather_pairs",
    "select_partitioned_pairs",
    "split_partitioned_pairs",
    "export_partitioned_pairs",
    "build_run_report",
}


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> Path:
    """`kedro viz build` of the project, once for the tests below: the static site."""
    project = scratch_project(PROJECT_ROOT, tmp_path_factory.mktemp("viz") / "project")
    kedro = Path(sys.executable).with_name("kedro")
    subprocess.run(
        [str(kedro), "viz", "build"], cwd=project, check=True, capture_output=True, timeout=300
    )
    return project / "build"


def test_viz_build_draws_every_stage_of_reading_comprehension(build: Path, tmp_path: Path):
    assert (build / "api" / "pipelines" / "reading_comprehension").is_file()

    screenshot = tmp_path / "kedro-viz.png"
    drawn = set(render_pipeline(build, "reading_comprehension", screenshot))

    assert drawn >= STAGE_NODES
    assert {
        "reading_comprehension.generated_pairs",
        "reading_comprehension.pair_decisions",
        "reading_comprehension.curated_pairs",
        "reading_comprehension.rejected_pairs",
        "teacher_llm",
        "judge_llm",
        "eval_sets",
    } <= drawn
    assert not any(name.startswith("text_modification.") for name in drawn)  # one pipeline only
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 50_000  # a drawn graph, not a blank page


def test_kedro_viz_opens_on_the_main_job(build: Path):
    """The page Kedro-Viz opens on (`__default__`) draws reading comprehension, not all 17
    skills (548 elements, which it shows as "a chunky pipeline" instead of a graph)."""
    drawn = set(render_pipeline(build, None))
    assert drawn >= STAGE_NODES
    assert not any(name.startswith("text_modification.") for name in drawn)
