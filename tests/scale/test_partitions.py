"""Partitioned runs: the split is stable, a partitioned run makes what one session makes, and a
re-run skips the partitions that are complete."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from agentinstruct.flow.partitions import (
    WHOLE,
    _shares,
    completion_marker,
    is_done,
    partition_count,
    partition_documents,
    partition_entry,
    partition_of,
)
from agentinstruct.flow.skill_dataset import SkillDataset
from agentinstruct.params import FlowParams
from agentinstruct.scale import partitioned_run
from agentinstruct.scale.partitioned_run import in_process, run_partitioned
from agentinstruct.scale.sessions import Project
from tests.conftest import PROJECT_ROOT
from tests.fake_llm import MODEL
from tests.kedro_runs import SKILL, latest_pairs, latest_report, run_pipeline, versions


def test_partition_count_is_a_power_of_two_that_keeps_partitions_small() -> None:
    assert [partition_count(n, 500) for n in (0, 1, 500, 501, 1000, 1001, 4000, 16000)] == [
        1,
        1,
        1,
        2,
        2,
        4,
        8,
        32,
    ]
    assert partition_count(10**6, None) == 1


def test_a_document_stays_in_the_half_of_its_partition_when_the_corpus_doubles() -> None:
    ids = [f"{i:016x}" for i in range(2000)]
    for doc_id in ids:
        small, large = partition_of(doc_id, 4), partition_of(doc_id, 8)
        assert int(large[:5]) // 2 == int(small[:5])
    sizes = pd.Series([partition_of(doc_id, 8) for doc_id in ids]).value_counts()
    assert len(sizes) == 8 and sizes.min() > 2000 / 8 * 0.75  # a hash spreads them evenly


def test_a_partition_finished_by_an_older_flow_runs_again() -> None:
    """A marker without this flow's version (written before the document checks moved ahead of
    the plan) is not done: its stored pairs were made the old way."""
    skills = PROJECT_ROOT / "conf/base/skills"
    skill = SkillDataset(str(skills / SKILL), str(skills / "_shared")).load()
    index = {"documents": 1, "partitions": [{"name": "a", "fingerprint": "f", "target_pairs": 5}]}
    expected = completion_marker(partition_entry(index, WHOLE), FlowParams(), skill)
    assert is_done({**expected, "complete": True}, expected)
    older = {key: value for key, value in expected.items() if key != "flow_version"}
    assert not is_done({**older, "complete": True}, expected)


def test_target_pairs_are_shared_in_proportion_and_add_up() -> None:
    assert _shares(10, [1, 1, 1], 3) == [4, 3, 3]
    assert sum(_shares(1001, [500, 250, 251, 7], 1008)) == 1001
    documents = pd.DataFrame({"doc_id": [f"{i:016x}" for i in range(30)], "n_chars": 900})
    params = FlowParams.model_validate(
        {"partitions": {"documents_per_partition": 10}, "plan": {"target_pairs": 50}}
    )
    skills = PROJECT_ROOT / "conf/base/skills"
    skill = SkillDataset(str(skills / SKILL), str(skills / "_shared")).load()
    parts, index = partition_documents(documents, params, skill)
    assert len(parts) == 4 and sum(len(part) for part in parts.values()) == 30
    assert sum(entry["target_pairs"] for entry in index["partitions"]) == 50
    assert partition_entry(index, WHOLE)["target_pairs"] == 50  # one session plans them all
    assert [entry["documents"] for entry in index["partitions"]] == [
        len(part) for part in parts.values()
    ]


def _add_documents(project, count: int) -> None:
    raw = project / "data" / "01_raw" / SKILL
    for i in range(count):
        topic = ["bees", "tides", "glaciers", "comets"][i % 4]
        raw.joinpath(f"extra_{i:02d}.txt").write_text(
            f"Note {i} on {topic}. Observers recorded {i * 7 % 13} events in season {i}, "
            f"and each record about {topic} was checked twice before it was kept."
        )


def _kept(project) -> pd.DataFrame:
    path = versions(project, f"data/07_model_output/{SKILL}/curated_pairs.parquet")[-1]
    return pd.read_parquet(path).sort_values("pair_id").reset_index(drop=True)


@pytest.mark.slow
def test_a_partitioned_run_makes_what_one_session_makes_and_resumes(
    project, fake_teacher, monkeypatch
) -> None:
    # every session in this process, where the fake teacher counts the calls (child processes,
    # as a longer run uses, are tested in test_cluster.py against the fake server)
    monkeypatch.setattr(partitioned_run, "SESSIONS_PER_PROCESS", 100)
    _add_documents(project, 16)
    per_partition = {SKILL: {"partitions": {"documents_per_partition": 7}}}
    run_pipeline(project, teacher_model=MODEL, **per_partition)  # one `whole` session
    whole_pairs, whole_kept = latest_pairs(project), _kept(project)
    whole_calls = fake_teacher.calls

    compact = {"size_profile": "compact"}  # as run_pipeline's session
    run = Project(str(project), runtime_params={"teacher_model": MODEL, **compact, **per_partition})
    summary = run_partitioned(run, [SKILL], in_process)
    assert len(summary[SKILL]["ran"]) == summary[SKILL]["partitions"] == 4
    assert fake_teacher.calls == whole_calls, "the partitions' calls are the whole run's"
    pairs = latest_pairs(project)
    assert sorted(pairs["pair_id"]) == sorted(whole_pairs["pair_id"])
    pd.testing.assert_frame_equal(_kept(project), whole_kept)
    report = latest_report(project)
    assert report["stages"]["pairs"] == len(pairs)
    assert report["inputs"]["documents_used"] == 24
    assert [entry["documents"] for entry in report["partitions"]["partitions"]] == [
        entry["documents"]
        for entry in json.loads(
            (project / f"data/02_intermediate/{SKILL}/partition_index.json").read_text()
        )["partitions"]
    ]
    assert sum(entry["pairs"] for entry in report["documents"]) == len(pairs)

    # Complete partitions are skipped; a new document re-runs only its own partition.
    assert run_partitioned(run, [SKILL], in_process)[SKILL]["ran"] == []
    _add_documents(project, 17)  # one more: extra_16.txt
    ran = run_partitioned(run, [SKILL], in_process)[SKILL]["ran"]
    assert len(ran) == 1
    assert len(latest_pairs(project)) == len(pairs) + 4


@pytest.mark.parametrize("value", ["00007-of-00008"])
def test_a_partition_not_in_the_index_is_a_clear_error(project, fake_teacher, value) -> None:
    with pytest.raises(Exception, match="not one of this corpus's partitions"):
        run_pipeline(project, teacher_model=MODEL, partition=value)


@pytest.mark.slow
def test_ingestion_and_the_gather_never_import_litellm(project) -> None:
    """LiteLLM costs a process ~3 s and ~140 MiB: only a session that calls a model imports it.
    The corpus and gather sessions of a partitioned run (and their catalog) must not."""
    script = (
        "import sys\n"
        "from agentinstruct.scale.partitioned_run import _pending\n"
        "from agentinstruct.scale.sessions import Project, run_session\n"
        f"project = Project({str(project)!r})\n"
        f"_pending(project, {SKILL!r})\n"
        "assert 'litellm' not in sys.modules, 'ingestion imported litellm'\n"
        "from kedro.framework.project import pipelines\n"
        f"nodes = pipelines[{SKILL!r}].nodes  # every node's module, the model calls' too\n"
        "with project.session(partition='gather') as session:\n"
        "    catalog = session.load_context().catalog\n"
        f"    catalog.load('{SKILL}.partition_index')\n"
        "assert 'litellm' not in sys.modules, 'the flow or the gather imported litellm'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
