"""Everything for people: Markdown and CSV tables, text for a terminal, figures, their look, the
generated documentation, and writing them to files (summary, scorecard, ablation, sensitivity,
posterior, discovery, the fitted scenario)."""
