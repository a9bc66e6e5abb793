"""AgentInstruct on Kedro: agentic flows that turn raw documents into post-training data."""

import os
import sys

# Set here, before any module of the package can import LiteLLM: otherwise LiteLLM fetches its
# price list from the internet at import (a ~7 s stall offline). The one place it is set.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")


def _arrow_memory_back_to_the_system() -> None:
    """Arrow's default pool (mimalloc) keeps what it freed: reading partition after partition,
    the gather's process grew by ~90 MiB over 8 partitions and a partition's by ~50 MiB.
    The system allocator gives it back, at no measured cost in time. Arrow reads the variable
    once, when it is imported: this runs before the package imports pandas (which imports Arrow),
    and the processes this one starts inherit it. Where Arrow came first, the pool Python asks
    for is switched, which frees less (measured: 455 against 411 MiB). A user's choice is kept."""
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ:
        return
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    if "pyarrow" in sys.modules:
        pyarrow = sys.modules["pyarrow"]
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())


_arrow_memory_back_to_the_system()


def _pandera_without_dask_frames() -> None:
    """Dask is installed for its scheduler (`distributed`), not its DataFrames; Pandera would
    import dask.dataframe (+46 MB and ~1 s in every process) to check frames that are never
    Dask's. Pandera's Dask typing is loaded once with that import failing, which it treats as
    Dask being absent; dask.dataframe stays importable for anyone else."""
    if "pandera.typing.dask" in sys.modules or "dask.dataframe" in sys.modules:
        return
    sys.modules["dask.dataframe"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import pandera.typing.dask  # noqa: F401
    except ImportError:
        pass
    finally:
        del sys.modules["dask.dataframe"]


_pandera_without_dask_frames()

__version__ = "0.1.0"
