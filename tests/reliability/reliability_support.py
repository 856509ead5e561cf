"""Helpers shared by the reliability tests: tiny transcripts, the CLI as a subprocess, and a
fingerprint of what an index answers (to prove a damaged run left it answering exactly as before)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from killpoint import Run

import ragqa
from ragqa.settings import Settings
from ragqa.store.manifest import MANIFEST_NAME, Manifest
from ragqa.store.segment import SEGMENTS_DIR
from ragqa.store.lock import LOCK_NAME

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BAD = REPO / "tests" / "data" / "bad"

# Tiny transcripts (a few short turns each) keep every subprocess cheap: the 2-core machine is shared.
TRANSCRIPTS = {
    "harbour": """Harbour committee, 3 March 2024 – The committee discussed the new ferry line.

Maria Santos: The new ferry line to Cacilhas will start on 14 May with boats every twenty minutes.

João Pereira: How many passengers do you expect each day?

Maria Santos: We expect about 9,300 passengers a day in the first year.
""",
    "library": """Library board, 5 April 2024 – The board reviewed the reading room.

Ana Costa: The reading room will stay open until ten in the evening from June.

Rui Lopes: Who pays for the extra staff hours?

Ana Costa: The city council covers the extra staff hours with a grant of 40,000 euros.
""",
    "museum": """Museum council, 9 May 2024 – The council planned the autumn exhibition.

Helena Dias: The autumn exhibition shows four hundred maps of the river harbour.

Pedro Alves: When does the exhibition open to the public?

Helena Dias: It opens on the first of October and the ferry company lends twelve maps.
""",
    "school": """School board, 2 June 2024 – The board agreed the new timetable.

Sofia Reis: Lessons will start at half past eight from September.

Tiago Ramos: Will the school bus change its route?

Sofia Reis: The bus will stop at the ferry terminal so pupils from Cacilhas arrive on time.
""",
}
# The library transcript with other content under the same id: adding it replaces the old version.
LIBRARY_V2 = TRANSCRIPTS["library"].replace("40,000 euros", "55,000 euros").replace("ten in the", "eleven in the")
QUERIES = ("When does the ferry line start?", "Who pays for the extra staff hours?", "exhibition maps harbour")

Fingerprint = list[list[tuple]]


def write_transcripts(folder: Path, texts: dict[str, str]) -> list[Path]:
    """Write `name.txt` files into `folder` (created) and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        path = folder / f"{name}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def fingerprint(index_dir: Path, queries: Sequence[str] = QUERIES, k: int = 5) -> Fingerprint:
    """What a freshly loaded index answers: per query, each hit's id, turns, text and score."""
    index = ragqa.load_index(index_dir, settings=Settings())
    return [hit_keys(index.search(q, k=k)) for q in queries]


def hit_keys(hits: Sequence[ragqa.Hit]) -> list[tuple]:
    return [(h.chunk_id, h.transcript_id, tuple(h.turns), h.speaker, h.text, round(h.score, 6)) for h in hits]


def transcript_hashes(index_dir: Path) -> dict[str, str]:
    """Transcript id -> content hash, as the committed manifest records them."""
    return {tid: r.content_hash for tid, r in Manifest.load(index_dir).transcripts.items()}


def debris(index_dir: Path) -> list[str]:
    """Files and folders an interrupted write may leave that the committed manifest does not name."""
    manifest = Manifest.load(index_dir)
    live = {s.name for s in manifest.segments}
    found = [f"{SEGMENTS_DIR}/{p.name}" for p in (index_dir / SEGMENTS_DIR).iterdir() if p.name not in live] \
        if (index_dir / SEGMENTS_DIR).is_dir() else []
    found += [p.name for p in index_dir.iterdir() if p.name not in {MANIFEST_NAME, SEGMENTS_DIR, LOCK_NAME}]
    return sorted(found)


def copy_index(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def child_env() -> dict[str, str]:
    """Environment for CLI subprocesses: explicit thread caps, offline model hubs."""
    env = dict(os.environ)
    env.update(OMP_NUM_THREADS="2", OPENBLAS_NUM_THREADS="2", MKL_NUM_THREADS="2", TOKENIZERS_PARALLELISM="false",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


def cli_command(args: Sequence[str | Path]) -> list[str]:
    return [sys.executable, "-m", "ragqa.cli", *map(str, args)]


def run_cli(args: Sequence[str | Path], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m ragqa.cli ARGS` as a real subprocess; output captured as text."""
    return subprocess.run(cli_command(args), cwd=cwd, env=child_env(), capture_output=True, text=True,
                          timeout=timeout)


def assert_no_traceback(result: subprocess.CompletedProcess | Run) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr[-3000:]
