"""Which skills a project defines: one folder with a `skill.yml` under `conf/base/skills/`."""

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from kedro.utils import find_kedro_project

SKILLS_FOLDER = Path("conf") / "base" / "skills"


def project_root() -> Path:
    """The Kedro project around the working directory (where `kedro` commands run)."""
    return find_kedro_project(Path.cwd()) or Path.cwd()


def skill_names(root: Path | None = None) -> list[str]:
    """Skill folders in name order; folders starting with `_` (shared prompts) are not skills."""
    folder = (root or project_root()) / SKILLS_FOLDER
    return skills_of(str(path) for path in folder.glob("*/skill.yml"))


def skills_of(skill_files: Iterable[str]) -> list[str]:
    """The skills of a list of `<folder>/skill.yml` paths, in name order."""
    names = (PurePosixPath(Path(path).as_posix()).parent.name for path in skill_files)
    return sorted(name for name in names if not name.startswith("_"))
