"""FramesDataset: a table written a frame at a time loads as the one frame it makes."""

import json

import pandas as pd
import pytest
from kedro.io.core import DatasetError

from agentinstruct.datasets import FramesDataset
from agentinstruct.datasets.frames import Frames

CALL = {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "name": "f"}]}


def _parts() -> list[pd.DataFrame]:
    """Three partitions: the first has no duplicate and no tool call, so pandas types those
    columns as null there."""
    return [
        pd.DataFrame({"pair_id": ["a", "b"], "duplicate_of": [None, None], "turns": [None, None]}),
        pd.DataFrame({"pair_id": ["c"], "duplicate_of": ["a"], "turns": [[CALL]]}),
        pd.DataFrame({"pair_id": [], "duplicate_of": [], "turns": []}),
    ]


def test_parquet_from_frames_loads_every_row_with_types_from_any_frame(tmp_path):
    dataset = FramesDataset(str(tmp_path / "pairs.parquet"))
    dataset.save(Frames(tuple(lambda part=part: part for part in _parts())))
    loaded = dataset.load()
    assert loaded["pair_id"].tolist() == ["a", "b", "c"]
    assert loaded["duplicate_of"].isna().tolist() == [True, True, False]
    assert loaded["turns"].isna().tolist() == [True, True, False]
    assert loaded["turns"][2][0]["tool_calls"][0]["name"] == "f"


def test_jsonl_from_a_generator_matches_pandas_json_lines(tmp_path):
    dataset = FramesDataset(str(tmp_path / "pairs.jsonl"), file_format="jsonl")
    dataset.save(part for part in _parts())
    lines = (tmp_path / "pairs.jsonl").read_text().splitlines()
    assert [json.loads(line)["pair_id"] for line in lines] == ["a", "b", "c"]
    assert dataset.load()["duplicate_of"].isna().tolist() == [True, True, False]


def test_a_frame_that_fails_its_schema_is_named_and_the_file_not_written(tmp_path):
    decision = {"pair_id": "0123456789abcdef", "duplicate_of": None, "reasons": "[]"}
    good = pd.DataFrame([{**decision, "split": "train"}])
    bad = pd.DataFrame([{**decision, "split": "maybe"}])
    dataset = FramesDataset(
        str(tmp_path / "decisions.parquet"),
        schema="agentinstruct.schemas.frames.PairDecisionSchema",
    )
    with pytest.raises(DatasetError, match=r"decisions\.parquet: a frame failed .*PairDecision"):
        dataset.save(iter([good, bad]))
    assert not (tmp_path / "decisions.parquet").exists()
    dataset.save(iter([good, good.assign(pair_id="fedcba9876543210")]))
    assert dataset.load()["split"].tolist() == ["train", "train"]


def test_no_frame_at_all_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="nothing to save"):
        FramesDataset(str(tmp_path / "p.parquet")).save(iter([]))


def test_frames_form_reads_the_table_a_written_frame_at_a_time(tmp_path):
    """`@frames`: the exports and the report read a run's table back one partition's row
    group at a time, with the types the whole file has."""
    path = str(tmp_path / "pairs.parquet")
    FramesDataset(path).save(Frames(tuple(lambda part=part: part for part in _parts())))
    frames = FramesDataset(path, load_frames=True).load()
    assert [len(frame) for frame in frames] == [2, 1]  # the empty partition wrote no group
    assert frames.rows() == 3
    assert frames.select(["pair_id"]).concat()["pair_id"].tolist() == ["a", "b", "c"]
    pd.testing.assert_frame_equal(frames.concat(), FramesDataset(path).load())
    FramesDataset(path).save(_parts()[2])  # a table of no rows still has its columns
    assert list(FramesDataset(path, load_frames=True).load().concat()) == list(_parts()[2])
