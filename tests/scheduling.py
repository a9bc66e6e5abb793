"""How pytest-xdist hands the tests to its workers: a module whose tests share a module-scoped
fixture (a pipeline run once for many assertions) goes to one worker whole, every other test
alone to whichever worker is free, in collection order (slow tests first, see conftest).

xdist's own `--dist loadgroup` would do this from `xdist_group` marks, but it passes the group
in the node id, which pytest 9.2's structured node ids drop (pytest-dev/pytest-xdist#1386);
`--dist loadscope` keeps every module whole, and one long module then ends the run alone."""

import re
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

MODULE_FIXTURE = re.compile(r"@pytest\.fixture\([^)]*scope=[\"']module[\"']")


def modules_with_shared_fixtures(tests: Path, root: Path) -> set[str]:
    """Test modules (paths relative to `root`, as in node ids) that define a module-scoped
    fixture."""
    return {
        path.relative_to(root).as_posix()
        for path in tests.rglob("test_*.py")
        if path.is_relative_to(root) and MODULE_FIXTURE.search(path.read_text())
    }


class SharedFixtureScheduling(LoadScopeScheduling):
    """One work unit per module with shared fixtures, one per test elsewhere."""

    def __init__(self, config: pytest.Config, log=None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the collection's order: slow first
        self.grouped = modules_with_shared_fixtures(Path(__file__).parent, config.rootpath)

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return module if module in self.grouped else nodeid
