"""Finding, assembling and verifying the bundled GGUF (the real 22 slices when installed)."""
import hashlib
import json

import pytest

from ragqa.errors import ModelUnavailableError
from ragqa.llm import gguf_assets
from ragqa.llm.gguf_assets import (EXPECTED_SHA256, EXPECTED_SIZE, N_PARTS, bundled_model_path, part_paths,
                                   sha256_file, user_model_path)


def test_all_slices_are_found_in_order():
    paths = part_paths()
    assert len(paths) == N_PARTS
    assert [p.name for p in paths] == [f"part{n:02d}.bin" for n in range(1, N_PARTS + 1)]
    assert sum(p.stat().st_size for p in paths) == EXPECTED_SIZE


def test_a_wrong_assembly_is_refused_and_leaves_nothing(tmp_path):
    parts = []
    for n in range(2):
        part = tmp_path / f"part{n:02d}.bin"
        part.write_bytes(bytes([n]) * 1000)
        parts.append(part)
    target = tmp_path / "cache" / "model.gguf"
    with pytest.raises(ModelUnavailableError, match="does not match the expected file"):
        gguf_assets._assemble(parts, target)
    assert not target.exists()
    assert list(target.parent.iterdir()) == []  # the temporary file is removed too


def test_sha256_file(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"ragqa" * 1000)
    assert sha256_file(path) == hashlib.sha256(b"ragqa" * 1000).hexdigest()


def test_user_model_path_checks_the_file(tmp_path):
    with pytest.raises(ModelUnavailableError, match="not found"):
        user_model_path(tmp_path / "missing.gguf")
    text = tmp_path / "notes.gguf"
    text.write_text("not a model", encoding="utf-8")
    with pytest.raises(ModelUnavailableError, match="not a GGUF file"):
        user_model_path(text)
    real = tmp_path / "real.gguf"
    real.write_bytes(b"GGUF" + b"\0" * 16)
    assert user_model_path(real) == real


@pytest.mark.slow
def test_bundled_model_is_assembled_once_and_verified_by_marker(tmp_path):
    model = bundled_model_path(tmp_path)
    assert model.stat().st_size == EXPECTED_SIZE
    marker = json.loads(model.with_name(model.name + ".verified.json").read_text(encoding="utf-8"))
    assert marker["sha256"] == EXPECTED_SHA256 and marker["size"] == EXPECTED_SIZE
    mtime = model.stat().st_mtime_ns
    assert bundled_model_path(tmp_path) == model  # second start: marker matches, no re-assembly
    assert model.stat().st_mtime_ns == mtime
    with model.open("r+b") as fh:  # a changed file no longer matches its marker and is rebuilt
        fh.write(b"XXXX")
    assert sha256_file(bundled_model_path(tmp_path)) == EXPECTED_SHA256


def test_checking_and_assembling_report_their_progress_in_bytes(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"r" * (20 << 20))  # three 8 MiB blocks
    seen = []
    sha256_file(path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(8 << 20, 20 << 20), (16 << 20, 20 << 20), (20 << 20, 20 << 20)]
    seen.clear()
    with pytest.raises(ModelUnavailableError):
        gguf_assets._assemble([path, path], tmp_path / "cache" / "model.gguf",
                              progress=lambda done, total: seen.append((done, total)))
    assert [total for _, total in seen] == [40 << 20] * 6
    assert seen[-1][0] == 40 << 20
