"""The raw folder's files, listed and read without ever leaving the folder.

fsspec (what Kedro's PartitionedDataset lists with) follows symbolic links, to files and folders
alike: `passwd.txt -> /etc/passwd` was read as a document and sent to the LLM. Here the folder
is walked without following links; a link is listed as a `Symlink`, which ingestion quarantines
unless `ingestion.follow_symlinks` is on and it leads to a file inside the folder. Files are
opened with O_NOFOLLOW, so a file swapped for a link after the listing is not read either, and
with O_NONBLOCK, so a named pipe cannot hang the run.
"""

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # not on Windows


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes: not a link (followed links are read at their resolved path), a
    pipe or a device."""
    descriptor = os.open(path, os.O_RDONLY | NOFOLLOW)
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(f"not a regular file: {path.name}")
        return file.read()


@dataclass(frozen=True)
class RawFile:
    """A file of the raw folder; calling it reads its bytes. Its size is known before."""

    path: Path
    size: int

    def __call__(self) -> bytes:
        return _read_regular(self.path)


@dataclass(frozen=True)
class Symlink:
    """A symbolic link of the raw folder: what it leads to, read only when that is a file inside
    the folder and links are followed."""

    path: Path
    target: Path  # resolved: every link on the way followed
    inside: bool  # the target is inside the raw folder
    leads_to: str  # "a file", "a folder", "nothing", or "a special file"

    def refusal(self, follow: bool) -> str | None:
        """Why the link is not read, or None when it is."""
        if not self.inside:
            return "symlink: points outside the raw folder; never followed"
        if self.leads_to == "a folder":
            return "symlink: to a folder inside the raw folder; its files are read where they are"
        if self.leads_to != "a file":
            return f"symlink: points inside the raw folder, to {self.leads_to}"
        if not follow:
            return "symlink: points inside the raw folder; not followed (ingestion.follow_symlinks)"
        return None

    def __call__(self) -> bytes:
        refusal = self.refusal(follow=True)
        if refusal:
            raise PermissionError(refusal)
        return _read_regular(self.target)


@dataclass(frozen=True)
class UnlistedFolder:
    """A sub-folder that could not be listed: one entry, so that its files are not lost quietly."""

    error: OSError

    def refusal(self, follow: bool) -> str:
        return f"unreadable folder: {self.error.strerror or self.error}"

    def __call__(self) -> bytes:
        raise self.error


def _leads_to(target: Path) -> str:
    try:
        mode = target.stat().st_mode
    except (OSError, RuntimeError):  # a broken link, or a loop of links
        return "nothing"
    if stat.S_ISREG(mode):
        return "a file"
    return "a folder" if stat.S_ISDIR(mode) else "a special file"


def _symlink(path: Path, root: Path) -> Symlink:
    target = Path(os.path.realpath(path))
    return Symlink(path, target, target.is_relative_to(root), _leads_to(target))


def raw_files(folder: Path) -> dict[str, Callable[[], bytes]]:
    """Every file and link under `folder`, by its `/`-separated path inside it, and every
    sub-folder that cannot be listed. A missing folder has none."""
    root = Path(os.path.realpath(folder))  # the raw folder may itself be a link: its target
    if not root.is_dir():
        return {}
    found: dict[str, Callable[[], bytes]] = {}
    folders = [root]
    while folders:
        current = folders.pop()
        try:
            with os.scandir(current) as listing:
                entries = list(listing)
        except OSError as error:
            if current == root:
                raise
            found[current.relative_to(root).as_posix()] = UnlistedFolder(error)
            continue
        for entry in entries:
            path = Path(entry.path)
            name = path.relative_to(root).as_posix()
            if entry.is_symlink():
                found[name] = _symlink(path, root)
            elif entry.is_dir(follow_symlinks=False):
                folders.append(path)
            else:
                found[name] = RawFile(path, entry.stat(follow_symlinks=False).st_size)
    return dict(sorted(found.items()))
