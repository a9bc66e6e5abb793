"""From any output pair back to its document: every layer carries the ids to get there."""

import itertools

import pytest
from kedro.framework.session import KedroSession

from agentinstruct.lineage import format_lineage, lineage, lineage_frames
from tests.fake_llm import MODEL
from tests.kedro_runs import SKILL, run_pipeline


@pytest.mark.slow
def test_every_pair_walks_back_to_its_source_document(project, fake_teacher):
    run_pipeline(project, teacher_model=MODEL)
    with KedroSession.create(project_path=project) as session:
        catalog = session.load_context().catalog
        pairs = catalog.load(f"{SKILL}.generated_pairs")
        # the name these had before (a catalog alias of the same files) loads the same rows
        assert catalog.load(f"{SKILL}.pairs_parquet").equals(pairs)
        # one file under several names: the plain ones load what the flow's forms read
        judged = catalog.load(f"{SKILL}.judged_pairs@partitions").concat()
        assert catalog.load(f"{SKILL}.judged_pairs").equals(judged)
        kept = catalog.load(f"{SKILL}.curated_pairs@frames").concat()
        assert catalog.load(f"{SKILL}.curated_pairs").equals(kept)
        summary = catalog.load(f"{SKILL}.partition_summary")
        assert catalog.load(f"{SKILL}.partition_done") == summary and summary["complete"]
        frames = lineage_frames(catalog, SKILL)
        chains = {pair_id: lineage(pair_id, *frames) for pair_id in pairs["pair_id"]}

    for pair_id, chain in chains.items():
        stages = [stage for stage, _ in chain]
        rows = dict(chain)
        assert stages[0] == "pair" and stages[-3:] == ["transformed passage", "chunk", "document"]
        assert rows["pair"]["pair_id"] == pair_id
        instructions = [row for stage, row in chain if "instruction" in stage]
        for child, parent in itertools.pairwise(instructions):
            assert child["parent_id"] == parent["instruction_id"]  # round n comes from round n-1
        assert instructions[-1]["refinement_round"] == 0  # every chain ends at a seed instruction
        assert rows["transformed passage"]["chunk_id"] == rows["chunk"]["chunk_id"]
        assert rows["chunk"]["doc_id"] == rows["document"]["doc_id"] == rows["pair"]["doc_id"]
        assert (project / rows["document"]["source_path"]).is_file() or rows["document"][
            "source_path"
        ]

    refined = next(chain for chain in chains.values() if chain[1][0].startswith("refined"))
    text = format_lineage(refined)
    assert "refinement_goal" in text and "source_path" in text
    assert (
        text.index("refined instruction") < text.index("seed instruction") < text.index("document")
    )
