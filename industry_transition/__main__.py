"""``python -m industry_transition`` runs the command line."""

from industry_transition.experiments.cli import main

main()
