"""ragqa model training: the scripts that fit the models shipped in `src/ragqa/models` (see training/README.md).

Each runs as `python -m training.<script>` from the repository root; they read the QMSum train split under
/work/shared/data, keep their indexes and fold models under ~/.cache/ragqa/bench, and write only where told
(`--out`, `--export`). bench/ measures; nothing here is imported by ragqa.
"""
