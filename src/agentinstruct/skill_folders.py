"""Which skills a project defines: one folder with a `skill.yml` under `conf/base/skills/`."""

from pathlib import Path

from kedro.utils import find_kedro_project

SKILLS_FOLDER = Path("conf") / "base" / "skills"


def project_root() -> Path:
    """The Kedro project around the working directory (where `kedro` commands run)."""
    return find_kedro_project(Path.cwd()) or Path.cwd()


def skill_names(root: Path | None = None) -> list[str]:
    """Skill folders in name order; folders starting with `_` (shared prompts) are not skills."""
    folder = (root or project_root()) / SKILLS_FOLDER
    return sorted(
        path.parent.name
        for path in folder.glob("*/skill.yml")
        if not path.parent.name.startswith("_")
    )
