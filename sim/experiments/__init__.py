"""Everything that runs: designs, one run into a Parquet part, executors, the results folder and
reading it back, starting and resuming an experiment, many small in-memory runs, and the searches
(calibration, the ABC posterior, sensitivity samples, ablation variants), which score their runs
with :mod:`sim.analysis`."""
