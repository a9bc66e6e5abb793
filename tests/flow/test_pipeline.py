"""The reading_comprehension pipeline over the sample corpus, with the fake teacher."""

import json

import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.io import Version
from kedro_datasets.pandas import ParquetDataset

from agentinstruct.schemas.frames import PairSchema
from tests.fake_llm import FAIL_MARKER, MODEL
from tests.kedro_runs import PROVENANCE, SKILL, latest_pairs, latest_report, run_pipeline, versions


def _add_bad_inputs(project) -> set[str]:
    raw = project / "data" / "01_raw" / SKILL
    (raw / "empty.txt").write_bytes(b"")
    (raw / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (raw / "poisoned.md").write_text(f"This text makes every call fail: {FAIL_MARKER}. " * 3)
    return {"empty.txt", "photo.txt", "poisoned.md"}


@pytest.mark.slow
def test_sample_corpus_gives_validated_pairs_with_provenance(project, fake_teacher) -> None:
    bad = _add_bad_inputs(project)
    latin1 = "Les abeilles dansent pour montrer où sont les fleurs. La danse en huit dit la "
    latin1 += "direction et la distance, et les ouvrières la suivent jusqu'à la source."
    (project / "data" / "01_raw" / SKILL / "latin1.md").write_bytes(latin1.encode("latin-1"))
    raw_files = {path.name for path in (project / "data" / "01_raw" / SKILL).iterdir()}

    run_pipeline(project, teacher_model=MODEL)

    pairs = PairSchema.validate(latest_pairs(project))
    good_docs = len(raw_files) - len(bad)
    # 2 question types per passage, and one refined variant of each seed
    assert len(pairs) == good_docs * 2 * 2
    assert pairs[PROVENANCE].notna().all().all()
    assert set(pairs["model"]) == {MODEL}
    refined = pairs[pairs["refinement_round"] == 1]
    assert len(refined) == len(pairs) // 2
    assert set(refined["parent_id"]) <= set(pairs["instruction_id"])
    assert refined["refinement_goal"].notna().all()
    for turns in pairs["messages"].map(json.loads):
        assert [turn["role"] for turn in turns] == ["system", "user", "assistant"]

    report = latest_report(project)
    assert report["inputs"] == {
        "files": len(raw_files),
        "tables": 0,
        "documents_used": good_docs + 1,
        "documents_set_aside": 0,
        "quarantined": 2,
    }
    fates = {entry["source_path"]: entry for entry in report["documents"]}
    assert set(fates) == raw_files
    assert fates["empty.txt"]["reason"].startswith("empty")
    assert fates["photo.txt"]["reason"].startswith("binary")
    assert fates["latin1.md"]["encoding"] == "cp1252" and fates["latin1.md"]["pairs"] == 4
    assert fates["poisoned.md"] == {**fates["poisoned.md"], "status": "used", "pairs": 0}
    assert report["failures"], "the poisoned document's calls must be failure records"
    assert report["stages"]["pairs"] == len(pairs)
    assert report["llm"]["total"]["attempts"] == fake_teacher.calls  # re-asks included

    jsonl = versions(project, f"data/07_model_output/{SKILL}/generated_pairs.jsonl")[-1]
    assert len(pd.read_json(jsonl, lines=True)) == len(pairs)


@pytest.mark.slow
def test_rerun_makes_no_llm_calls_and_the_same_rows(project, fake_teacher) -> None:
    run_pipeline(project, teacher_model=MODEL)
    first, calls = latest_pairs(project), fake_teacher.calls

    run_pipeline(project, teacher_model=MODEL)
    second = latest_pairs(project)

    assert fake_teacher.calls == calls
    report = latest_report(project)
    assert report["llm"]["total"]["new_calls"] == 0
    assert report["llm"]["total"]["cache_hits"] == report["llm"]["total"]["requests"] > 0
    pd.testing.assert_frame_equal(first, second)

    # two runs, two versions; the first stays loadable by its version
    paths = versions(project, f"data/07_model_output/{SKILL}/generated_pairs.parquet")
    assert len(paths) == 2
    first_version = paths[0].parent.name
    dataset = ParquetDataset(
        filepath=str(project / f"data/07_model_output/{SKILL}/generated_pairs.parquet"),
        version=Version(first_version, None),
    )
    pd.testing.assert_frame_equal(dataset.load(), first)


@pytest.mark.slow
def test_changing_the_seed_changes_the_draws(project, fake_teacher) -> None:
    run_pipeline(project, teacher_model=MODEL)
    first = latest_pairs(project)
    run_pipeline(project, teacher_model=MODEL, **{SKILL: {"seed": 7}})
    second = latest_pairs(project)
    draws = ["doc_id", "transformation_agent", "question_type"]
    assert (
        not first[draws]
        .sort_values(draws)
        .reset_index(drop=True)
        .equals(second[draws].sort_values(draws).reset_index(drop=True))
    )


@pytest.mark.slow
def test_editing_one_prompt_reruns_only_the_calls_it_feeds(project, fake_teacher) -> None:
    run_pipeline(project, teacher_model=MODEL)
    template = project / "conf/base/skills" / SKILL / "prompts" / "answer.j2"
    template.write_text(template.read_text() + "\nBe brief.\n")

    run_pipeline(project, teacher_model=MODEL)

    usage = latest_report(project)["llm"]["by_stage"]
    assert usage["answers"]["new_calls"] == usage["answers"]["requests"] > 0
    for stage in ["transformation", "seed_instructions", "refinement.suggest", "refinement.edit"]:
        assert usage[stage]["new_calls"] == 0, stage


@pytest.mark.slow
def test_a_run_can_start_from_any_partition_stage(project, fake_teacher) -> None:
    """`--from-nodes` past `pick_partition`: the partition it resolved is a dataset on disk,
    so a later stage starts without it."""
    run_pipeline(project, teacher_model=MODEL)
    before = latest_report(project)
    for node in ("plan_partition", "judge_flow_pairs", "summarize_partition"):
        params = {"teacher_model": MODEL, "size_profile": "compact"}
        with KedroSession.create(project_path=project, runtime_params=params) as session:
            session.run(pipeline_names=[SKILL], from_nodes=[f"{SKILL}.{node}"])
        assert latest_report(project)["stages"] == before["stages"], node
