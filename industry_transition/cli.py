"""The ``industry-transition`` console script: the experiments' commands plus the app's.

It sits above both layers, so ``experiments`` never imports ``visualization``.
"""

from __future__ import annotations

from industry_transition.experiments.cli import app
from industry_transition.visualization.assets import assets_command
from industry_transition.visualization.report import report_command
from industry_transition.visualization.serve import app_command

app.command("app")(app_command)
app.command("report")(report_command)
app.command("assets")(assets_command)


def main() -> None:
    """Entry point of the console script."""
    app()
