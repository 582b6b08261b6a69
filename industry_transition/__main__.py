"""``python -m industry_transition`` runs the command line."""

from industry_transition.cli import main

main()
