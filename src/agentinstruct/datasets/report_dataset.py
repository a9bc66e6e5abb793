"""Reports as strict JSON: what pandas leaves missing (NaN, e.g. the encoding of a PDF) is
written as `null`, never as the bare `NaN` that Python's json writes and strict parsers (jq,
JavaScript, Go) reject."""

import math
from typing import Any

from kedro_datasets.json import JSONDataset


def strict_json(value: Any) -> Any:
    """`value` with every float that JSON cannot hold (NaN, infinities) as None."""
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    return value


class ReportDataset(JSONDataset):
    """Kedro's JSONDataset (versioning, fsspec) that saves strict JSON."""

    def __init__(self, *args: Any, save_args: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, save_args={**(save_args or {}), "allow_nan": False}, **kwargs)

    def save(self, data: Any) -> None:
        super().save(strict_json(data))
