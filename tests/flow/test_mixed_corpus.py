"""A run over a folder of every format with `target_pairs`, on the fake teacher."""

import json
from collections import Counter

import pytest
import yaml

from agentinstruct.devtools.made_files import TABLE_COLUMNS, mixed_corpus
from agentinstruct.schemas.frames import PairSchema
from tests.fake_llm import MODEL
from tests.kedro_runs import SKILL, latest_pairs, latest_report, run_pipeline, versions

TARGET = 40


def _not_json(constant: str) -> None:
    raise AssertionError(f"{constant} is not JSON")


def _set_params(project, **changes: dict) -> None:
    path = project / "conf" / "base" / "skills" / SKILL / "parameters.yml"
    params = yaml.safe_load(path.read_text())
    for section, values in changes.items():
        params[SKILL][section] = {**params[SKILL].get(section, {}), **values}
    path.write_text(yaml.safe_dump(params))


@pytest.mark.slow
def test_mixed_folder_with_a_target_makes_about_that_many_pairs(project, fake_teacher) -> None:
    raw = project / "data" / "01_raw" / SKILL
    made = mixed_corpus(raw / "mixed", book_megabytes=20)
    _set_params(project, plan={"target_pairs": TARGET}, ingestion={"table": TABLE_COLUMNS})
    files = {path.relative_to(raw).as_posix() for path in raw.rglob("*") if path.is_file()}

    run_pipeline(project, teacher_model=MODEL)

    pairs = PairSchema.validate(latest_pairs(project))
    assert 0.9 * TARGET <= len(pairs) <= 1.1 * TARGET
    report = latest_report(project)
    plan = report["plan"]
    assert plan["target_pairs"] == TARGET and plan["made_pairs"] == len(pairs)
    assert plan["pairs"] == len(pairs)  # the fake teacher fails no call
    assert plan["documents"] == plan["chunks"]  # one chunk a document before any second one
    # question types: each used at most once more than any other (every passage could take
    # any of the types that suit all agents)
    seeds = pairs[pairs["refinement_round"] == 0]
    counts = Counter(seeds["question_type"])
    assert max(counts.values()) <= 1 + min(counts.values())
    assert counts == Counter(plan["question_types"])

    fates = {entry["source_path"]: entry for entry in report["documents"]}
    assert set(fates) == files  # every file accounted for
    assert fates["mixed/scan.pdf"]["reason"].startswith("no text layer")
    assert fates["mixed/latin1.txt"]["encoding"] == "cp1252"
    assert fates["mixed/utf16.txt"]["encoding"] == "utf-16"
    assert fates["mixed/book.md"]["status"] == "used"
    for table in ("mixed/articles.jsonl", "mixed/articles.parquet"):
        assert fates[table]["status"] == "table" and fates[table]["rows_used"] == 2
    saved = [path for path in files if path.startswith("mixed/saved_dataset/")]
    arrow = [path for path in saved if path.endswith(".arrow")]
    assert [fates[path]["rows_used"] for path in arrow] == [4]
    for sidecar in set(saved) - set(arrow):
        assert fates[sidecar]["reason"].startswith("metadata of a saved dataset")
    used_formats = set(pairs["source_format"])
    assert len(made) == 10 and len(used_formats) >= 3
    assert fates["mixed/notes.pdf"]["encoding"] is None  # null, not NaN: strict JSON
    strict = versions(project, f"data/08_reporting/{SKILL}/run_report.json")[-1].read_text()
    json.loads(strict, parse_constant=_not_json)
