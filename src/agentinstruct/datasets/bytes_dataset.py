"""A file as raw bytes: ingestion decides what is text, so bad files are quarantined."""

from pathlib import PurePosixPath
from typing import Any

import fsspec
from kedro.io import AbstractDataset
from kedro.io.core import get_protocol_and_path


class BytesDataset(AbstractDataset[bytes, bytes]):
    """Loads and saves the exact bytes of one file (local or any fsspec filesystem)."""

    def __init__(self, filepath: str, metadata: dict[str, Any] | None = None) -> None:
        protocol, path = get_protocol_and_path(filepath)
        self._protocol = protocol
        self._filepath = PurePosixPath(path)
        self._fs = fsspec.filesystem(protocol)
        self.metadata = metadata

    def load(self) -> bytes:
        with self._fs.open(str(self._filepath), mode="rb") as file:
            return file.read()

    def save(self, data: bytes) -> None:
        with self._fs.open(str(self._filepath), mode="wb") as file:
            file.write(data)

    def _exists(self) -> bool:
        return self._fs.exists(str(self._filepath))

    def _describe(self) -> dict[str, Any]:
        return {"filepath": str(self._filepath), "protocol": self._protocol}
