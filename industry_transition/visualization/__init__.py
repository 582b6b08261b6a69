"""The Solara app (issue 5). Nothing in model/ or experiments/ imports this package."""
