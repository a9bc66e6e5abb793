"""What the exports cost on a run's kept pairs, and how much of it is reading them.

The export node writes 8 streams (4 formats x train/test), each reading `curated_pairs@frames`
a row group at a time: reading the kept pairs again per stream is the price of never holding
them all. This measures, on synthetic kept pairs written as a run writes them (a row group per
partition, a strong teacher's lengths: ~1,500-character answers, a rationale and the chat kept
beside `messages`), one pass over the table with every column and with only the exported ones
(`EXPORTED_COLUMNS`), and the whole export node, as it runs and with whole row groups read
(then cut to the exported columns). Prints a table and writes JSON.

    .venv/bin/python benchmarks/export_benchmark.py --pairs 20000 100000
"""

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import pandas as pd

from agentinstruct.datasets import FramesDataset
from agentinstruct.datasets.frames import Frames
from agentinstruct.flow.exports import EXPORTED_COLUMNS
from agentinstruct.flow.gather import export_partitioned_pairs

ROOT = Path(__file__).resolve().parents[1]
WORDS = [
    "the",
    "of",
    "bees",
    "hive",
    "nectar",
    "flower",
    "dance",
    "colony",
    "worker",
    "queen",
    "wax",
    "honey",
    "season",
]


def _text(rng: random.Random, characters: int) -> str:
    words: list[str] = []
    while sum(len(word) + 1 for word in words) < characters:
        words.append(rng.choice(WORDS))
    return " ".join(words)


def _kept_pairs(count: int, partition: int, rng: random.Random) -> pd.DataFrame:
    rows = []
    for number in range(count):
        question, answer = _text(rng, 300), _text(rng, 1500)
        chat = [
            {"role": "system", "content": "You are a careful reader."},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
        rows.append(
            {
                "pair_id": f"{partition:04x}{number:012x}",
                "skill": "reading_comprehension",
                "doc_id": f"{partition:08x}{number % 50:08x}",
                "transformation_agent": "debate",
                "question_type": "main_idea",
                "answer_format": "free_text",
                "refinement_round": 0,
                "refinement_goal": None,
                "parent_id": None,
                "model": "teacher",
                "prompt_version": "v1",
                "messages": json.dumps(chat),
                "tools": "[]",
                "split": "test" if number % 20 == 0 else "train",
                # what a kept pair carries beside what the exports hold
                "task": question,
                "response": answer,
                "turns": json.dumps(chat[1:]),
                "judge_rationale": _text(rng, 400),
                "verification_detail": _text(rng, 80),
            }
        )
    return pd.DataFrame(rows)


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _drain(frames: Frames) -> None:
    for _ in frames:
        pass


def _export(frames: Frames) -> None:
    for stream in export_partitioned_pairs(frames):
        for _ in stream:
            pass


def measure(pairs: int, partitions: int) -> dict:
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "curated_pairs.parquet")
        parts = (_kept_pairs(pairs // partitions, p, rng) for p in range(partitions))
        FramesDataset(path).save(parts)
        frames = FramesDataset(path, load_frames=True).load()
        every_column = _seconds(lambda: _drain(frames))
        exported_columns = _seconds(lambda: _drain(frames.select(EXPORTED_COLUMNS)))
        export = _seconds(lambda: _export(frames))
        # the same node with row groups read whole, then cut to the exported columns
        export_reading_whole = _seconds(lambda: _export(Frames(frames.loaders)))
        megabytes = Path(path).stat().st_size / 2**20
    return {
        "pairs": pairs,
        "partitions": partitions,
        "file_mib": round(megabytes, 1),
        "read_every_column_s": round(every_column, 3),
        "read_exported_columns_s": round(exported_columns, 3),
        "export_node_s": round(export, 3),
        "export_node_reading_whole_row_groups_s": round(export_reading_whole, 3),
        "reads_share_of_export": round(8 * exported_columns / export, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, nargs="+", default=[20000])
    parser.add_argument("--partitions", type=int, default=8)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/exports.json")
    args = parser.parse_args()
    header = (
        "pairs  file MiB  read all s  read exported s  export node s  (whole groups s)"
        "  8 reads / export"
    )
    print(header)
    rows = []
    for pairs in args.pairs:
        row = measure(pairs, args.partitions)
        rows.append(row)
        print(
            f"{row['pairs']:>5}  {row['file_mib']:>8}  {row['read_every_column_s']:>10}"
            f"  {row['read_exported_columns_s']:>15}  {row['export_node_s']:>13}"
            f"  {row['export_node_reading_whole_row_groups_s']:>16}"
            f"  {row['reads_share_of_export']:>16}"
        )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"rows": rows}, indent=2) + "\n")
    print(f"written: {args.json}")


if __name__ == "__main__":
    main()
