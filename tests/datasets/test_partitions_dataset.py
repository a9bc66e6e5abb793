"""PartitionsDataset: which partitions a run reads is the dataset's to know, not a node's."""

import json

import pandas as pd
import pytest
from kedro.io.core import DatasetError

from agentinstruct.datasets import MarkerDataset, PartitionsDataset
from agentinstruct.datasets.partitions_dataset import WHOLE


def _write(folder, name: str, rows: int) -> None:
    (folder / name).mkdir(parents=True)
    pd.DataFrame({"n": range(rows)}).assign(partition=name).to_parquet(
        folder / name / "pairs.parquet"
    )


def _view(tmp_path, partition: str, **options) -> PartitionsDataset:
    return PartitionsDataset(
        path=str(tmp_path / "partitions"),
        partition_file=options.pop("partition_file", "pairs.parquet"),
        index={"filepath": str(tmp_path / "index.json")},
        partition=partition,
        **options,
    )


def test_a_one_session_run_reads_its_whole_folder_and_a_partitioned_run_the_index(tmp_path):
    folder = tmp_path / "partitions"
    for name, rows in (("whole", 5), ("00001-of-00002", 2), ("00000-of-00002", 3)):
        _write(folder, name, rows)
    index = {"partitions": [{"name": "00000-of-00002"}, {"name": "00001-of-00002"}]}
    (tmp_path / "index.json").write_text(json.dumps(index))

    assert _view(tmp_path, WHOLE).load().rows() == 5
    every = _view(tmp_path, "all").load()
    assert len(every) == 2 and every.rows() == 5
    assert every.concat()["partition"].unique().tolist() == ["00000-of-00002", "00001-of-00002"]
    assert _view(tmp_path, "all").reading(WHOLE).load().concat()["partition"].eq("whole").all()


def test_a_partition_that_has_not_run_is_named(tmp_path):
    _write(tmp_path / "partitions", "00000-of-00002", 1)
    index = {"partitions": [{"name": "00000-of-00002"}, {"name": "00001-of-00002"}]}
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(DatasetError, match=r"\['00001-of-00002'\] have no pairs.parquet yet"):
        _view(tmp_path, "all").load()
    assert not _view(tmp_path, "all").exists()


def test_without_an_index_the_error_says_to_ingest_first(tmp_path):
    with pytest.raises(DatasetError, match="no partition index"):
        _view(tmp_path, "all").load()


def test_any_dataset_type_loads_a_partition_s_file(tmp_path):
    MarkerDataset(str(tmp_path / "partitions" / WHOLE / "summary.json")).save({"pairs": 4})
    view = _view(
        tmp_path,
        WHOLE,
        partition_file="summary.json",
        dataset="agentinstruct.datasets.MarkerDataset",
    )
    assert list(view.load()) == [{"pairs": 4}]


def test_an_index_naming_a_path_is_refused(tmp_path):
    """The index is the run's own file, but a name in it never leads outside the partitions."""
    index = {"partitions": [{"name": "../../../etc"}]}
    (tmp_path / "index.json").write_text(json.dumps(index))
    with pytest.raises(DatasetError, match="not partition names"):
        _view(tmp_path, "all").load()
