"""The layers: the model never imports experiments or visualization, and agents/ and model/
import each other without a cycle (checked statically and at runtime)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "industry_transition"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def load_time_imports(path: Path) -> set[str]:
    """Modules a module imports when it is loaded: not under ``TYPE_CHECKING``, not in a
    function (``from a import b`` counts ``a`` and ``a.b``)."""
    names: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                names.update(f"{node.module}.{alias.name}" for alias in node.names)
            else:
                visit([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)])

    visit(ast.parse(path.read_text()).body)
    return names


def import_graph() -> nx.DiGraph:
    """Load-time imports between the package's modules, with each module's package: loading
    ``a.b.c`` runs ``a/b/__init__.py`` first."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        if "." in name:
            graph.add_edge(name, name.rpartition(".")[0])
        for imported in load_time_imports(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                graph.add_edge(name, imported)
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(package)"


def test_no_import_cycle_spans_two_layers():
    """A cycle may only join a package's __init__ with its own modules (agents/ with agents/)."""
    graph = import_graph()
    assert {"industry_transition.agents.company", "industry_transition.model.costs"} <= set(graph)
    assert graph.has_edge(
        "industry_transition.model.transition_model", "industry_transition.agents"
    )
    spanning = [
        sorted(cycle)
        for cycle in nx.strongly_connected_components(graph)
        if len({layer(m) for m in cycle}) > 1
    ]
    assert spanning == []


def test_the_cycle_check_sees_a_cycle_through_a_package_init():
    """The graph counts package __init__ files: an eager model/__init__ would close a cycle."""
    graph = import_graph()
    graph.add_edge("industry_transition.model", "industry_transition.model.transition_model")
    cycles = [c for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert any({"agents", "model"} <= {layer(m) for m in c} for c in cycles)


def test_importing_an_agent_module_first_loads_no_model_wiring():
    """At run time: an agent module imports model modules without the model class."""
    code = (
        "import sys; import industry_transition.agents.company;"
        "import industry_transition.model.agreements;"
        "bad = [n for n in ('industry_transition.model.transition_model',"
        " 'industry_transition.model.negotiation', 'industry_transition.experiments')"
        " if n in sys.modules];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_model_and_agents_do_not_import_outer_layers():
    offenders = []
    for layer in ("model", "agents"):
        for path in (PACKAGE / layer).rglob("*.py"):
            for module in imported_modules(path):
                if module.startswith(
                    ("industry_transition.experiments", "industry_transition.visualization")
                ):
                    offenders.append(f"{path.name}: {module}")
    assert offenders == []


def test_experiments_do_not_import_visualization():
    for path in (PACKAGE / "experiments").rglob("*.py"):
        assert not any(
            m.startswith("industry_transition.visualization") for m in imported_modules(path)
        ), path


def test_fresh_interpreter_running_a_model_loads_no_app_code():
    code = (
        "import sys; from industry_transition import TransitionModel;"
        "m = TransitionModel('teaching', seed=1); m.step();"
        "bad = [n for n in sys.modules if n.startswith(('industry_transition.visualization',"
        " 'solara', 'altair'))];"
        "print(bad); raise SystemExit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_mesa_deprecations_are_errors_in_the_tests():
    """pyproject turns deprecation warnings into errors, so Mesa 4 removals surface now."""
    import mesa
    import pytest

    with pytest.raises(FutureWarning, match="seed"):
        mesa.Model(seed=1)  # Mesa 3.5 deprecates `seed` in favour of `rng`
