"""The model never imports experiments or visualization (checked statically and at runtime)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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
