"""A whole run's frame of a dataset that each partition writes on its own, for notebooks and
lineage: `run_frame(catalog, "reading_comprehension", "seed_instructions")`.

Which partitions make up the last run comes from its run report: those of the corpus's
partition index after a partitioned run (`kedro run`), or the one `whole` partition after a
plain session ran everything at once.
"""

from typing import Any

import pandas as pd

from agentinstruct.datasets.partitions_dataset import WHOLE


def run_frame(
    catalog: Any, skill: str, name: str, columns: list[str] | None = None
) -> pd.DataFrame:
    """`<skill>.<name>` over every partition of the last run (latest report), in index order."""
    report = catalog.load(f"{skill}.run_report")
    partition = report.get("partitions", {}).get("run", WHOLE)
    frames = catalog.get(f"{skill}.{name}@partitions").reading(partition).load()
    return (frames if columns is None else frames.select(columns)).concat()
