"""Many runs: designs, one run into a Parquet part, executors, the results folder."""
