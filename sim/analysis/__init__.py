"""Pure functions of tables, arrays and scenarios: outcomes, periods and trajectories of runs,
outcome values, what-if shares, target measurements and source judgement, the fitted point of a
calibration, priors and credible intervals, sensitivity indices, PRIM boxes, the ablation's paired
changes. Nothing here runs the model, searches, reads or writes a file, or makes Markdown or a
figure."""
