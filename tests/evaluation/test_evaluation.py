"""`kedro run --pipeline=evaluate`: students answer the held-out test pairs and the eval sets a
user brings; exact match and the judge's 0-10 score with bootstrap intervals; the estimate
projects its requests exactly."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agentinstruct.devtools.fake_openai import FakeOpenAIServer
from agentinstruct.devtools.scratch_project import point_at_server, scratch_project
from agentinstruct.evaluation.items import _key, eval_set_items, is_multiple_choice_set, skill_items
from agentinstruct.evaluation.statistics import bootstrap_mean, paired_difference
from agentinstruct.params import EvaluationParams
from agentinstruct.skill import template
from tests.conftest import PROJECT_ROOT, SAMPLE_CORPUS
from tests.fake_llm import CONSTANT_ANSWER, CONSTANT_MODEL, MODEL
from tests.kedro_runs import SKILL, run_pipeline, versions

KEDRO = str(Path(sys.executable).parent / "kedro")
LENIENT = {"curation": {"verification": {"enabled": False}, "judge": {"min_scores": {}}}}
MULTI_TURN = "conversation"
# An MMLU-style set (HF `cais/mmlu` columns): no answer is D, the constant student's letter.
MMLU_ROWS = [
    {"question": "What is 2 + 2?", "choices": ["3", "4", "5", "6"], "answer": 1, "subject": "math"},
    {
        "question": "What is 3 * 3?",
        "choices": ["9", "6", "3", "12"],
        "answer": 0,
        "subject": "math",
    },
    {
        "question": "Capital of France?",
        "choices": ["Rome", "Oslo", "Paris", "Bern"],
        "answer": 2,
        "subject": "geography",
    },
    {
        "question": "Largest ocean?",
        "choices": ["Pacific", "Indian", "Arctic", "Atlantic"],
        "answer": "A",
        "subject": "geography",
    },
    {
        "question": "Red planet?",
        "choices": ["Venus", "Mars", "Earth", "Pluto"],
        "answer": "Mars",
        "subject": "astronomy",
    },
]
MULTIPLE_CHOICE = (PROJECT_ROOT / "conf/base/evaluation/multiple_choice.j2").read_text()


def _latest(project: Path, name: str) -> Path:
    return versions(project, f"data/08_reporting/evaluation/{name}")[-1]


def _write_mmlu(project: Path) -> None:
    folder = project / "data/01_raw/eval_sets"
    folder.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(row) + "\n" for row in MMLU_ROWS)
    (folder / "mmlu_sample.jsonl").write_text(lines)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """Reading comprehension and a multi-turn skill on the fake teacher, then `evaluate` with
    two students: the fake teacher and one that always answers D."""
    from tests import fake_llm

    fake_llm.install()
    root = scratch_project(PROJECT_ROOT, tmp_path_factory.mktemp("evaluated") / "project")
    for skill in (SKILL, MULTI_TURN):  # several documents each: whole ones are held out
        shutil.copytree(SAMPLE_CORPUS, root / "data/01_raw" / skill)
    _write_mmlu(root)
    cwd = os.getcwd()
    os.chdir(root)
    try:
        for skill in (SKILL, MULTI_TURN):
            run_pipeline(root, skill, teacher_model=MODEL, **{skill: LENIENT})
        run_pipeline(root, "evaluate", teacher_model=MODEL, students=f"{MODEL};{CONSTANT_MODEL}")
    finally:
        os.chdir(cwd)
    items = pd.read_parquet(_latest(root, "evaluation_items.parquet"))
    report = json.loads(_latest(root, "evaluation_report.json").read_text())
    return root, items, report


@pytest.mark.slow
def test_every_skill_and_student_has_a_row_with_an_interval(evaluated) -> None:
    _, items, report = evaluated
    skill_rows = [entry for entry in report["sets"] if entry["source"] == "skill"]
    assert {(e["set_name"], e["student"]) for e in skill_rows} == {
        (skill, student) for skill in (SKILL, MULTI_TURN) for student in (MODEL, CONSTANT_MODEL)
    }
    for entry in skill_rows:
        score = entry["score"]
        assert entry["items"] == entry["answered"] == score["items"] > 0
        assert 0 <= score["low"] <= score["mean"] <= score["high"] <= 10
    multi_turn = items[items["set_name"] == MULTI_TURN]
    assert multi_turn["key"].isna().all()  # a follow-up's answer has no key: the judge only


def test_the_report_s_exact_match_is_the_items_own(evaluated) -> None:
    _, items, report = evaluated
    for entry in report["sets"]:
        rows = items[
            (items["set_name"] == entry["set_name"]) & (items["student"] == entry["student"])
        ]
        scored = rows["exact_match"].dropna()
        assert entry["exact_match"]["items"] == len(scored)
        if len(scored):
            assert entry["exact_match"]["mean"] == pytest.approx(scored.mean(), abs=1e-4)
            assert entry["exact_match"]["low"] <= entry["exact_match"]["mean"]


def test_a_student_always_answering_one_wrong_letter_scores_zero(evaluated) -> None:
    _, items, report = evaluated
    constant = items[
        (items["student"] == CONSTANT_MODEL) & (items["answer_format"] == "multiple_choice")
    ]
    wrong = constant[constant["key"].notna() & (constant["key"] != CONSTANT_ANSWER)]
    assert len(wrong) >= len(MMLU_ROWS)
    assert (wrong["exact_match"] == 0).all()
    assert set(wrong["response"]) == {CONSTANT_ANSWER}
    mmlu = next(
        e
        for e in report["sets"]
        if e["set_name"] == "mmlu_sample.jsonl" and e["student"] == CONSTANT_MODEL
    )
    assert mmlu["exact_match"] == {"items": 5, "mean": 0.0, "low": 0.0, "high": 0.0}


def test_an_mmlu_style_set_gets_accuracy_per_subject(evaluated) -> None:
    _, items, report = evaluated
    subjects = [e for e in report["subjects"] if e["set_name"] == "mmlu_sample.jsonl"]
    assert {(e["subject"], e["student"]) for e in subjects} == {
        (subject, student)
        for subject in ("math", "geography", "astronomy")
        for student in (MODEL, CONSTANT_MODEL)
    }
    counted = {e["subject"]: e["exact_match"]["items"] for e in subjects if e["student"] == MODEL}
    assert counted == {"math": 2, "geography": 2, "astronomy": 1}
    mmlu = items[items["set_name"] == "mmlu_sample.jsonl"]
    assert mmlu["score"].isna().all()  # no reference answer: exact match only, no judge call
    assert sorted(mmlu.drop_duplicates("item_id")["key"]) == ["A", "A", "B", "B", "C"]


def test_paired_differences_compare_the_students_on_the_same_items(evaluated) -> None:
    _, items, report = evaluated
    pairs = [e for e in report["paired"] if e["set_name"] == SKILL and e["metric"] == "score"]
    assert len(pairs) == 1
    pair = pairs[0]
    rows = items[items["set_name"] == SKILL].pivot(
        index="item_id", columns="student", values="score"
    )
    difference = (rows[pair["student"]].astype(float) - rows[pair["minus"]].astype(float)).dropna()
    assert pair["items"] == len(difference)
    assert pair["mean"] == pytest.approx(difference.mean(), abs=1e-4)
    assert pair["low"] <= pair["mean"] <= pair["high"]


def test_test_items_are_the_held_out_pairs_only(evaluated) -> None:
    root, items, _ = evaluated
    for skill in (SKILL, MULTI_TURN):
        curated = pd.read_parquet(
            versions(root, f"data/07_model_output/{skill}/curated_pairs.parquet")[-1]
        )
        test = curated[curated["split"] == "test"]
        asked = items[(items["set_name"] == skill)].drop_duplicates("item_id")
        assert set(asked["pair_id"]) == set(test["pair_id"])
        # whole documents: no document has pairs in both splits
        assert not set(test["doc_id"]) & set(curated.loc[curated["split"] == "train", "doc_id"])


# --- the estimate ---------------------------------------------------------------------------


@pytest.fixture
def server():
    started = FakeOpenAIServer(latency_s=0.0).start()
    yield started
    started.stop()


def _kedro_run(project: Path, pipeline: str, *params: str) -> str:
    command = [KEDRO, "run", f"--pipeline={pipeline}", *(f"--params={p}" for p in params)]
    env = {**os.environ, "COLUMNS": "250"}
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


@pytest.mark.slow
def test_the_estimate_projects_the_evaluation_s_requests_exactly(tmp_path, server) -> None:
    project = scratch_project(PROJECT_ROOT, tmp_path / "project")
    shutil.copytree(SAMPLE_CORPUS, project / "data/01_raw" / SKILL)
    _write_mmlu(project)
    students = ["openai/fake-student-a", "openai/fake-student-b"]
    point_at_server(project, server.base_url, students=students, size_profile="compact")
    _kedro_run(project, SKILL, f"{SKILL}.curation.verification.enabled=false")
    before = sum(server.served.values())

    printed = _kedro_run(project, "evaluate", "estimate_only=true")
    assert sum(server.served.values()) == before  # an estimate makes no call
    assert "Projection of the evaluation (no call was made)" in printed
    path = versions(project, "data/estimate/08_reporting/evaluation/projection.json")[-1]
    projected = {
        name: stage["requests"] for name, stage in json.loads(path.read_text())["stages"].items()
    }

    _kedro_run(project, "evaluate")
    calls = pd.concat(
        [
            pd.read_parquet(_latest(project, f"{name}_llm_calls.parquet"))
            for name in ("student", "judge")
        ]
    )
    made = calls.groupby("stage").size().to_dict()
    assert projected == made
    assert set(made) == {f"student:{s}" for s in students} | {"evaluation_judge"}
    assert sum(server.served.values()) - before == sum(made.values())


# --- units ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        (1, "B"),
        (1.0, "B"),
        ("C", "C"),
        ("c", "C"),
        ("2", "C"),
        ("blue", "D"),
        (7, None),
        ("Z", None),
        (None, None),
        (True, None),
    ],
)
def test_an_answer_becomes_a_letter(answer, key) -> None:
    assert _key(answer, ["red", "green", "yellow", "blue"]) == key


def test_eval_sets_of_letter_columns_are_read_and_other_tables_left_out() -> None:
    tables = {
        "agieval.csv": pd.DataFrame(
            {"question": ["Q1?", "Q2?"], "A": ["x", "y"], "B": ["z", "w"], "answer": ["B", "Q"]}
        ),
        "decontamination_only.jsonl": pd.DataFrame({"text": ["a benchmark passage"]}),
    }
    assert not is_multiple_choice_set(tables["decontamination_only.jsonl"])
    items = eval_set_items(tables, template(MULTIPLE_CHOICE).render, EvaluationParams())
    assert [item["key"] for item in items] == ["B"]  # "Q" is no choice: the row is skipped
    prompt = json.loads(items[0]["prompt"])[0]["content"]
    assert "A) x" in prompt and "B) z" in prompt and prompt.startswith("Q1?")


def test_a_sample_of_each_set_is_seeded() -> None:
    table = pd.DataFrame(
        {
            "question": [f"Q{i}?" for i in range(50)],
            "choices": [["a", "b"]] * 50,
            "answer": [0] * 50,
        }
    )
    params = EvaluationParams(max_items_per_set=10)
    render = template(MULTIPLE_CHOICE).render
    first = eval_set_items({"set.jsonl": table}, render, params)
    assert len(first) == 10
    assert first == eval_set_items({"set.jsonl": table}, render, params)


def test_bootstrap_intervals_hold_the_mean_and_narrow_with_items() -> None:
    rng = np.random.default_rng(0)
    small = bootstrap_mean(rng.integers(0, 11, 20).astype(float), 2000, 0.95, 1)
    large = bootstrap_mean(rng.integers(0, 11, 2000).astype(float), 2000, 0.95, 1)
    for interval in (small, large):
        assert interval["low"] <= interval["mean"] <= interval["high"]
    assert large["high"] - large["low"] < small["high"] - small["low"]
    assert bootstrap_mean(np.array([np.nan]), 100, 0.95, 1)["mean"] is None
    same = bootstrap_mean(np.array([3.0, 3.0]), 100, 0.95, 1)
    assert same == {"items": 2, "mean": 3.0, "low": 3.0, "high": 3.0}


def test_a_paired_difference_uses_the_items_both_students_have() -> None:
    first = np.array([5.0, 6.0, np.nan, 8.0])
    second = np.array([4.0, 6.0, 1.0, np.nan])
    difference = paired_difference(first, second, 500, 0.95, 0)
    assert difference["items"] == 2 and difference["mean"] == 0.5


@pytest.mark.embedded
@pytest.mark.slow
def test_the_embedded_model_as_student_fills_the_report(project, fake_teacher) -> None:
    """The default student, the embedded 135M model, on the test items of a sample run: the
    run finishes and every item has its answer and score (what a 135M model earns)."""
    run_pipeline(project, SKILL, teacher_model=MODEL, **{SKILL: LENIENT})
    run_pipeline(project, "evaluate", teacher_model=MODEL, evaluation={"student_max_tokens": 96})
    items = pd.read_parquet(_latest(project, "evaluation_items.parquet"))
    report = json.loads(_latest(project, "evaluation_report.json").read_text())
    assert set(items["student"]) == {"local/smollm2-135m-instruct"}
    (entry,) = [e for e in report["sets"] if e["set_name"] == SKILL]
    assert entry["items"] > 0
    assert entry["answered"] + entry["failed"] == entry["items"]
    assert entry["score"]["items"] > 0 and 0 <= entry["score"]["mean"] <= 10
    assert report["llm"]["by_stage"]["student:local/smollm2-135m-instruct"]["new_calls"] > 0


def test_an_evaluation_with_nothing_to_ask_still_reports(project, fake_teacher, caplog) -> None:
    run_pipeline(project, "evaluate", teacher_model=MODEL, students=MODEL)
    report = json.loads(_latest(project, "evaluation_report.json").read_text())
    assert report["sets"] == [] and report["llm"]["total"]["requests"] == 0
    assert "Nothing to evaluate" in caplog.text
    assert fake_teacher.calls == 0


def test_an_eval_set_read_from_parquet_keeps_its_choices(tmp_path) -> None:
    """Parquet gives list columns back as numpy arrays, and a missing list as None."""
    path = tmp_path / "set.parquet"
    pd.DataFrame(
        {
            "question": ["Q1?", "Q2?"],
            "choices": [["x", "y", "z"], None],
            "answer": [np.int64(2), np.int64(0)],
        }
    ).to_parquet(path)
    table = pd.read_parquet(path)
    items = eval_set_items(
        {"set.parquet": table}, template(MULTIPLE_CHOICE).render, EvaluationParams()
    )
    assert [(item["key"], json.loads(item["options"])) for item in items] == [
        ("C", ["x", "y", "z"])
    ]


def test_a_numeric_answer_is_a_choice_s_text_before_an_index() -> None:
    assert _key("3", ["2", "3", "4", "5"]) == "B"
    assert _key(3, ["2", "3", "4", "5"]) == "D"  # a number is an index


def test_a_tool_use_item_shows_its_tools_and_the_calls_as_text() -> None:
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {}}}]
    messages = [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Weather in Oslo?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": "4 C, rain"},
        {"role": "assistant", "content": "It is 4 C and raining in Oslo."},
    ]
    pair = pd.Series(
        {
            "pair_id": "0" * 16,
            "skill": "tool_use",
            "question_type": "single_call",
            "answer_format": "short_answer",
            "options": "[]",
            "reference_answer": "4 C",
            "messages": json.dumps(messages),
            "tools": json.dumps(tools),
            "run_version": "2026-12-05T00.00.00.000Z",
        }
    )
    (item,) = skill_items({"tool_use": pd.DataFrame([pair])}, None)
    prompt = json.loads(item["prompt"])
    assert [turn["role"] for turn in prompt] == ["system", "user", "assistant", "user"]
    assert "get_weather" in prompt[0]["content"]
    assert prompt[2]["content"] == 'Calls get_weather({"city": "Oslo"})'
    assert prompt[3]["content"] == "Tool result: 4 C, rain"
    assert item["reference_response"] == "It is 4 C and raining in Oslo."
    assert item["key"] is None  # a short answer has no key
