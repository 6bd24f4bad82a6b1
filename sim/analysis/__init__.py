"""Reading runs: outcomes, targets and scorecards, calibration, ablation."""
