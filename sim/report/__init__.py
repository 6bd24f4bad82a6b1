"""Figures and tables of results folders: plots, comparisons, their look."""
