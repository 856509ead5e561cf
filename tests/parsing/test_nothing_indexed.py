"""A build or add that indexes nothing from the files it was given fails with one line saying why."""
import os
import subprocess
import sys
from pathlib import Path

BAD = Path(__file__).resolve().parents[1] / "data" / "bad" / "json_wrong_shape_object.json"


def test_build_of_only_unreadable_files_fails(tmp_path: Path) -> None:
    env = dict(os.environ, OMP_NUM_THREADS="2", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    done = subprocess.run([sys.executable, "-m", "ragqa.cli", "build", str(BAD), "--index", str(tmp_path / "i"),
                           "--quiet"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: nothing indexed from the given sources (1 problems, see above)"]
