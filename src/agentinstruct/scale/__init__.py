"""Runs beyond one session: a corpus in partitions, each a Kedro session, in this process or on a
Dask cluster (docs/scale.md)."""

from agentinstruct.scale.partitioned_run import run_partitioned

__all__ = ["run_partitioned"]
