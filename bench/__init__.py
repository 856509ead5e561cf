"""ragqa benchmarks: one script per figure, each printing a table (`python -m bench [--quick]`)."""
