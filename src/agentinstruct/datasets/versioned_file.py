"""What the project's versioned single-file datasets share: fsspec paths, versions, existence."""

from pathlib import Path, PurePosixPath
from typing import Any, Generic, TypeVar

import fsspec
from kedro.io.core import (
    AbstractVersionedDataset,
    Version,
    VersionNotFoundError,
    get_filepath_str,
    get_protocol_and_path,
)

Loaded = TypeVar("Loaded")
Saved = TypeVar("Saved")


class VersionedFileDataset(AbstractVersionedDataset[Loaded, Saved], Generic[Loaded, Saved]):
    """One file (local or any fsspec protocol) under Kedro's `<path>/<version>/<name>` layout."""

    def __init__(
        self,
        filepath: str,
        version: Version | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        protocol, path = get_protocol_and_path(filepath, version)
        self._protocol = protocol
        self._fs = fsspec.filesystem(protocol)
        self.metadata = metadata
        super().__init__(
            filepath=PurePosixPath(path),
            version=version,
            exists_function=self._fs.exists,
            glob_function=self._fs.glob,
        )

    def _load_path_str(self) -> str:
        return get_filepath_str(self._get_load_path(), self._protocol)

    def _save_path_str(self) -> str:
        """The path of this run's version, its folder made."""
        path = get_filepath_str(self._get_save_path(), self._protocol)
        self._fs.makedirs(str(PurePosixPath(path).parent), exist_ok=True)
        return path

    def _exists(self) -> bool:
        try:
            path = self._load_path_str()
        except VersionNotFoundError:  # no version saved yet
            return False
        return self._fs.exists(path)

    def _describe(self) -> dict[str, Any]:
        return {
            "filepath": str(self._filepath),
            "protocol": self._protocol,
            "version": self._version,
        }


def latest_version(folder: Path) -> Path | None:
    """The newest `<folder>/<version>/<file>` of a versioned dataset (Kedro's versions sort as
    text), or None when it has none."""
    if not folder.is_dir():
        return None
    versions = sorted(path for path in folder.iterdir() if (path / folder.name).is_file())
    return versions[-1] / folder.name if versions else None
