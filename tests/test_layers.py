"""The package's layers: every import goes down (or within one package), and no modules import
each other in a circle. A new module either fits a layer or this test says where it reaches."""

import ast
from collections import defaultdict
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "agentinstruct"
# Bottom to top: a unit (a subpackage, or a module at the package's top) imports only units of
# its own layer or below. Same-layer units must not import each other in a circle (checked).
LAYERS: list[set[str]] = [
    {"ids", "redaction", "run_lock", "console", "skill_folders", "schemas"},
    {"readers"},
    {"params", "datasets"},
    {"skill"},
    {"gateway"},
    {"size_profiles", "config_loader", "llm_steps"},
    {"curation"},
    {"flow"},
    {"evaluation"},
    {"run_outputs", "scale", "devtools"},
    {"lineage", "run_summary", "preview", "pipeline_registry", "hooks"},
    {"settings", "cli", "__main__", "__init__"},
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(tree: ast.Module) -> set[str]:
    """Modules of the package that `tree` imports, outside `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            return
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE):
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith(PACKAGE))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _graph() -> dict[str, set[str]]:
    modules = {
        _module_name(path): path for path in (SOURCE / PACKAGE).rglob("*.py") if path.is_file()
    }
    graph = {}
    for name, path in modules.items():
        imported = _imports(ast.parse(path.read_text(encoding="utf-8")))
        graph[name] = {module for module in imported if module in modules and module != name}
    return graph


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _layer(unit: str) -> int:
    for number, layer in enumerate(LAYERS):
        if unit in layer:
            return number
    raise AssertionError(f"{unit!r} is in no layer: add it to LAYERS in {Path(__file__).name}")


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One circle of imports, if there is any (depth-first search)."""
    state: dict[str, int] = defaultdict(int)  # 0 new, 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state[target] == 1:
                return [*path[path.index(target) :], target]
            if state[target] == 0 and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if state[node] == 0 and (found := visit(node)):
            return found
    return None


def test_every_import_goes_down_a_layer_or_stays_in_its_package() -> None:
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in _graph().items()
        for target in targets
        if _layer(_unit(target)) > _layer(_unit(module))
    )
    assert not upward, "imports from a lower layer back up:\n" + "\n".join(upward)


def test_no_modules_and_no_packages_import_each_other_in_a_circle() -> None:
    graph = _graph()
    assert _cycle(graph) is None, f"modules in a circle: {' -> '.join(_cycle(graph))}"
    units: dict[str, set[str]] = defaultdict(set)
    for module, targets in graph.items():
        units[_unit(module)].update(_unit(t) for t in targets if _unit(t) != _unit(module))
    assert _cycle(units) is None, f"packages in a circle: {' -> '.join(_cycle(units))}"


def test_the_gateway_keeps_a_few_modules_at_its_top_and_the_rest_by_concern() -> None:
    top = sorted(path.name for path in (SOURCE / PACKAGE / "gateway").glob("*.py"))
    assert len(top) <= 12, top
    concerns = {path.parent.name for path in (SOURCE / PACKAGE / "gateway").glob("*/*.py")}
    assert concerns >= {"online", "batch", "store", "spend", "estimate", "embedded"}


def test_the_checker_sees_an_upward_import_and_a_circle() -> None:
    """The two checks above on planted graphs, so a broken checker cannot pass them."""
    assert _layer(_unit("agentinstruct.curation.judge")) < _layer(_unit("agentinstruct.flow.x"))
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    tree = ast.parse(
        "from agentinstruct.flow import steps\nif TYPE_CHECKING:\n    import agentinstruct.x"
    )
    assert _imports(tree) == {"agentinstruct.flow", "agentinstruct.flow.steps"}
