"""A write that fails for lack of space while `ragqa build` / `ragqa add` commit: a clear one-line error,
the old index intact and answering as before, no temp files left (the space is given back), and the
command completes once there is room. Two ways to run out: a small tmpfs filled to a given free space
(needs mount rights; skipped otherwise) and RLIMIT_FSIZE in the child (EFBIG; always runs)."""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reliability_support import assert_no_traceback, copy_index, debris, fingerprint, run_cli

from ragqa.cli import main as cli_main
from ragqa.store.manifest import MANIFEST_NAME, Manifest

pytestmark = pytest.mark.slow
PAGE = 4096


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs mounted for this test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip()}); test_rlimit_fsize covers failing writes")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def free_bytes(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def prepare(disk: Path, base_index: Path, free: int) -> Path:
    """A copy of the base index on `disk`, with a filler file leaving `free` bytes."""
    for entry in disk.iterdir():
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    index_dir = copy_index(base_index, disk / "index")
    (disk / "filler").write_bytes(b"\0" * (free_bytes(disk) - free))
    return index_dir


def command(args: list[str], index_dir: Path) -> list[str]:
    return [*args, "--index", str(index_dir), "--quiet"]


@pytest.fixture(scope="module")
def references(base_index, commands, tmp_path_factory) -> dict[str, Path]:
    """Per command, a copy of the base index it completed on."""
    tmp = tmp_path_factory.mktemp("full-disk-reference")
    result = {}
    for name, args in commands.items():
        result[name] = copy_index(base_index, tmp / name)
        assert cli_main(command(args, result[name])) == 0
    return result


@pytest.fixture(scope="module")
def expected(base_index, references) -> dict[str, object]:
    """What the base index answers, and what it answers after each command completed."""
    return {"before": fingerprint(base_index), **{name: fingerprint(path) for name, path in references.items()}}


@pytest.mark.parametrize("which", ["build", "add"])
def test_full_tmpfs_at_every_free_space_until_the_write_fits(small_disk, base_index, commands, expected, capsys,
                                                             which):
    """Free space 0, 4 KiB, 8 KiB, ... : every failing write is reported and leaves the old index."""
    failures = 0
    for free in range(0, 64 * PAGE, PAGE):
        index_dir = prepare(small_disk, base_index, free)
        free_before = free_bytes(small_disk)
        capsys.readouterr()
        code = cli_main(command(commands[which], index_dir))
        err = capsys.readouterr().err
        if code == 0:
            break
        failures += 1
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        assert f"{index_dir}: could not write the index" in err and "the index is unchanged" in err, err
        assert fingerprint(index_dir) == expected["before"], f"{free} bytes free: the old index changed"
        assert debris(index_dir) == [] and free_bytes(small_disk) >= free_before, f"{free} bytes free: leftovers"
        (small_disk / "filler").unlink()
        assert cli_main(command(commands[which], index_dir)) == 0, f"{free} bytes free: re-run with room failed"
        assert fingerprint(index_dir) == expected[which]
    else:
        pytest.fail("the command never fitted")
    assert failures >= 3, failures
    print(f"full tmpfs, {which}: {failures} failing free-space sizes, then it fitted with {free} bytes free")


@pytest.mark.parametrize("which", ["build", "add"])
def test_full_tmpfs_from_the_command_line(small_disk, base_index, commands, expected, which):
    """The real CLI process on a full disk: exit 2, one error line, no traceback, old index intact."""
    index_dir = prepare(small_disk, base_index, 0)
    done = run_cli(command(commands[which], index_dir), cwd=small_disk.parent)
    assert_no_traceback(done)
    assert done.returncode == 2 and done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "No space left on device" in done.stderr and "the index is unchanged" in done.stderr
    assert fingerprint(index_dir) == expected["before"] and debris(index_dir) == []


def written_sizes(base_index: Path, reference: Path) -> list[int]:
    """Sizes of the files a command wrote: its new segment's files and the manifest."""
    old = {s.name for s in Manifest.load(base_index).segments}
    new = [s for s in Manifest.load(reference).segments if s.name not in old]
    sizes = {size for s in new for size, _ in s.files.values()}
    return sorted(sizes | {(reference / MANIFEST_NAME).stat().st_size})


@pytest.mark.parametrize("which", ["build", "add"])
def test_rlimit_fsize_fails_each_file_of_the_commit(fork_server, base_index, commands, references, expected, tmp_path,
                                                    which):
    """A file-size limit just below each file the command writes: every file's write fails in turn (in a
    CLI process forked with RLIMIT_FSIZE set and SIGXFSZ ignored, so writes fail with EFBIG)."""
    limits = [size - 1 for size in written_sizes(base_index, references[which])]
    assert len(limits) >= 4, limits

    def fail_and_recover(limit: int) -> None:
        index_dir = copy_index(base_index, tmp_path / f"limit-{limit}")
        done = fork_server.run(command(commands[which], index_dir), index_dir, cwd=tmp_path, fsize_limit=limit)
        assert_no_traceback(done)
        assert done.returncode == 2 and done.stderr.count("\n") == 1, f"limit {limit}: {done.stderr}"
        assert "the index is unchanged" in done.stderr and ("File too large" in done.stderr
                                                            or "file-size limit" in done.stderr), done.stderr
        assert fingerprint(index_dir) == expected["before"], f"limit {limit}: the old index changed"
        assert debris(index_dir) == [], f"limit {limit}: leftovers"
        assert cli_main(command(commands[which], index_dir)) == 0
        assert fingerprint(index_dir) == expected[which]

    with ThreadPoolExecutor(max_workers=2) as pool:  # two limits at a time, each on its own copy
        list(pool.map(fail_and_recover, limits))
    print(f"RLIMIT_FSIZE, {which}: {len(limits)} limits, each failing one file of the commit")
