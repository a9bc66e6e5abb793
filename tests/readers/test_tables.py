"""Datasets as seeds: rows of JSONL, CSV, Parquet and saved Hugging Face datasets are documents."""

import json
from pathlib import Path

import pandas as pd
import pytest

from agentinstruct.flow.ingestion import ingest_documents
from agentinstruct.params import FlowParams

ARTICLES = [
    ("bee-1", "Honeybees", "Bees dance to show their sisters where the flowers grow.", "biology"),
    ("ant-2", "Ants", "Ants leave scent trails that others follow to food and back.", "biology"),
    (
        "oak-3",
        "Oaks",
        "An oak can live for a thousand years and feed hundreds of species.",
        "botany",
    ),
]
TABLE = pd.DataFrame(ARTICLES, columns=["id", "title", "body", "topic"])
COLUMNS = {"text_column": "body", "id_column": "id", "title_column": "title"}


def _ingest(files: dict[str, bytes], **table: object):
    params = FlowParams.model_validate({"ingestion": {"table": table}})
    raw = {path: (lambda data=data: data) for path, data in files.items()}
    documents, quarantined, _ = ingest_documents(raw, params)
    return documents, quarantined


def _jsonl(frame: pd.DataFrame) -> bytes:
    return frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8")


def test_jsonl_rows_are_documents_with_record_ids_titles_and_metadata() -> None:
    documents, quarantined = _ingest(
        {"wiki.jsonl": _jsonl(TABLE)}, **COLUMNS, metadata_columns=["topic"]
    )
    assert quarantined.empty
    assert documents["source_path"].tolist() == [
        "wiki.jsonl#bee-1",
        "wiki.jsonl#ant-2",
        "wiki.jsonl#oak-3",
    ]
    assert documents["text"].tolist() == TABLE["body"].tolist()
    assert documents["title"].tolist() == TABLE["title"].tolist()
    assert set(documents["source_format"]) == {"jsonl"}
    assert [json.loads(m) for m in documents["metadata"]] == [{"topic": t} for t in TABLE["topic"]]


def test_parquet_and_csv_rows_without_an_id_column_are_numbered(tmp_path: Path) -> None:
    TABLE.to_parquet(tmp_path / "t.parquet")
    csv = TABLE.to_csv(index=False).encode("cp1252")
    documents, quarantined = _ingest(
        {"t.parquet": (tmp_path / "t.parquet").read_bytes(), "t.csv": csv}, text_column="body"
    )
    # the same texts in two files: the second file's rows are duplicates, accounted for
    assert documents["source_path"].tolist() == ["t.csv#0", "t.csv#1", "t.csv#2"]
    assert quarantined["source_path"].tolist() == ["t.parquet#0", "t.parquet#1", "t.parquet#2"]
    assert quarantined["reason"].tolist() == [f"duplicate of t.csv#{i}" for i in range(3)]


def test_a_saved_hugging_face_dataset_folder_is_read_with_its_sidecars_accounted(
    tmp_path: Path,
) -> None:
    datasets = pytest.importorskip("datasets")
    dataset = datasets.Dataset.from_pandas(TABLE)
    datasets.DatasetDict(
        {"train": dataset.select([0, 1]), "test": dataset.select([2])}
    ).save_to_disk(tmp_path / "wiki")
    files = {
        path.relative_to(tmp_path).as_posix(): path.read_bytes()
        for path in sorted(tmp_path.rglob("*"))
        if path.is_file()
    }
    documents, quarantined = _ingest(files, **COLUMNS)
    assert sorted(documents["text"]) == sorted(TABLE["body"])
    assert {path.split("#")[1] for path in documents["source_path"]} == set(TABLE["id"])
    assert all(path.split("#")[0].endswith(".arrow") for path in documents["source_path"])
    sidecars = dict(zip(quarantined["source_path"], quarantined["reason"], strict=True))
    assert set(sidecars) == {path for path in files if path.endswith(".json")}
    assert all(reason.startswith("metadata of a saved dataset") for reason in sidecars.values())


def test_bad_rows_and_bad_tables_are_quarantined_with_the_reason() -> None:
    rows = [{"text": "A row with enough text to keep."}, {"text": None}, {"text": "tiny"}]
    documents, quarantined = _ingest(
        {
            "rows.jsonl": _jsonl(pd.DataFrame(rows)),
            "wrong.jsonl": _jsonl(TABLE),
            "broken.parquet": b"PAR1 not really",
            "empty.csv": b"text\n",
        }
    )
    assert documents["source_path"].tolist() == ["rows.jsonl#0"]
    reasons = dict(zip(quarantined["source_path"], quarantined["reason"], strict=True))
    assert reasons["rows.jsonl#1"] == "no text: column 'text' holds NoneType"
    assert reasons["rows.jsonl#2"].startswith("too short")
    assert reasons["wrong.jsonl"].startswith("unreadable jsonl table: no column ['text']")
    assert reasons["broken.parquet"].startswith("unreadable parquet table")
    assert reasons["empty.csv"] == "empty: a table without rows"
