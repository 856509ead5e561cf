"""kill -9 of `ragqa build` and `ragqa add` (real subprocesses) at every file-system step of the write
and at moments spread over the run: the index always loads and answers exactly as before the command
(or, once the commit happened, exactly as after it), and running the command again completes."""
from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from killpoint import ForkServer
from reliability_support import Fingerprint, child_env, copy_index, debris, fingerprint, transcript_hashes

from ragqa.cli import main as cli_main

pytestmark = pytest.mark.slow
RAGQA_SCRIPT = Path(sys.executable).with_name("ragqa")


@dataclass
class Scenario:
    """A CLI command run over a copy of the base index, with what the index answers before and after."""

    args: list[str]  # without --index
    before: Fingerprint
    after: Fingerprint
    before_hashes: dict[str, str]
    after_hashes: dict[str, str]
    trace: list[str]  # file-system operations of a complete run, in order

    def command(self, index_dir: Path) -> list[str]:
        return [*self.args, "--index", str(index_dir), "--quiet"]


def _scenario(server: ForkServer, base: Path, tmp: Path, args: list[str]) -> Scenario:
    reference = copy_index(base, tmp / "reference")
    trace_file = tmp / "reference.trace"
    done = server.run([*args, "--index", str(reference), "--quiet"], reference, cwd=tmp, trace_file=trace_file)
    assert done.returncode == 0, done.stderr
    trace = trace_file.read_text(encoding="utf-8").splitlines()
    scenario = Scenario(args, fingerprint(base), fingerprint(reference), transcript_hashes(base),
                        transcript_hashes(reference), trace)
    assert scenario.before != scenario.after and scenario.before_hashes != scenario.after_hashes
    return scenario


@pytest.fixture(scope="module")
def build_scenario(fork_server, base_index, commands, tmp_path_factory) -> Scenario:
    return _scenario(fork_server, base_index, tmp_path_factory.mktemp("crash-build"), commands["build"])


@pytest.fixture(scope="module")
def add_scenario(fork_server, base_index, commands, tmp_path_factory) -> Scenario:
    return _scenario(fork_server, base_index, tmp_path_factory.mktemp("crash-add"), commands["add"])


def check_recovery(index_dir: Path, scenario: Scenario, where: str) -> str:
    """The killed run left the old index or the committed new one, and the command re-runs cleanly.
    Returns "old" or "new" (what the kill left)."""
    hashes = transcript_hashes(index_dir)
    state = "old" if hashes == scenario.before_hashes else "new"
    expected = scenario.before if state == "old" else scenario.after
    assert hashes in (scenario.before_hashes, scenario.after_hashes), where
    assert fingerprint(index_dir) == expected, f"{where}: the index answers differently after the crash"
    assert cli_main(scenario.command(index_dir)) == 0, where
    assert fingerprint(index_dir) == scenario.after, f"{where}: re-run did not produce the full result"
    assert debris(index_dir) == [], f"{where}: leftovers of the killed run"
    return state


def _kill_at(server: ForkServer, base: Path, scenario: Scenario, tmp: Path, point: int) -> Path:
    """A copy of `base` after the command was SIGKILLed just before trace step `point`."""
    index_dir = copy_index(base, tmp / f"kill-{point:03d}")
    done = server.run(scenario.command(index_dir), index_dir, cwd=tmp, kill_before=point)
    assert done.returncode == -9, f"kill point {point} ({scenario.trace[point - 1]}): rc {done.returncode}, " \
                                  f"{done.stderr[-2000:]}"
    return index_dir


def kill_points(trace: list[str]) -> list[int]:
    """1-based positions to kill before: every operation that changes the folder (mkdir, a file
    opened for writing or fsync, rename, remove) and the first one after the last of them. Between
    two changes the folder is the same, so more points would not test more states."""
    changes = [i for i, line in enumerate(trace, 1)
               if not line.startswith(("open ", "os.listdir ", "os.scandir "))
               or any(c in line.rsplit(" ", 1)[-1] for c in "wax+")]
    after = [changes[-1] + 1] if changes[-1] < len(trace) else []
    return changes + after


def _kill_at_every_step(server: ForkServer, base: Path, scenario: Scenario, tmp: Path) -> dict[str, int]:
    points = kill_points(scenario.trace)

    def kill_and_check(point: int) -> str:
        index_dir = _kill_at(server, base, scenario, tmp, point)
        return check_recovery(index_dir, scenario, f"killed before {scenario.trace[point - 1]!r}")

    with ThreadPoolExecutor(max_workers=2) as pool:  # two kill points at a time (the fork server runs two children)
        outcomes = list(pool.map(kill_and_check, points))
    states = {state: outcomes.count(state) for state in ("old", "new")}
    print(f"kill -9 `ragqa {scenario.args[0]}` before {len(points)} of {len(scenario.trace)} file-system steps: "
          f"{states['old']} left the old index, {states['new']} the committed new one")
    return states


def test_kill_build_before_every_write_step(fork_server, base_index, build_scenario, tmp_path):
    states = _kill_at_every_step(fork_server, base_index, build_scenario, tmp_path)
    assert sum(states.values()) >= 20 and states["old"] >= 10 and states["new"] >= 1, states


def test_kill_add_before_every_write_step(fork_server, base_index, add_scenario, tmp_path):
    states = _kill_at_every_step(fork_server, base_index, add_scenario, tmp_path)
    assert sum(states.values()) >= 20 and states["old"] >= 10 and states["new"] >= 1, states


def _kill_after(base: Path, scenario: Scenario, tmp: Path, name: str, seconds: float) -> Path:
    index_dir = copy_index(base, tmp / name)
    proc = subprocess.Popen([str(RAGQA_SCRIPT), *scenario.command(index_dir)], env=child_env(), cwd=tmp,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(seconds)
    proc.kill()
    proc.wait(timeout=60)
    return index_dir


@pytest.mark.parametrize("which", ["build", "add"])
def test_kill_console_script_at_moments_spread_over_the_run(base_index, build_scenario, add_scenario, tmp_path, which):
    """The installed `ragqa` script, killed at 20%..110% of a full run's wall time."""
    scenario = build_scenario if which == "build" else add_scenario
    started = time.monotonic()
    full = copy_index(base_index, tmp_path / "full")
    subprocess.run([str(RAGQA_SCRIPT), *scenario.command(full)], env=child_env(), cwd=tmp_path, check=True,
                   capture_output=True, timeout=300)
    duration = time.monotonic() - started
    fractions = (0.2, 0.5, 0.8, 0.95, 1.1)
    with ThreadPoolExecutor(max_workers=1) as checker:  # each killed run is checked while the next one runs
        checks = [checker.submit(check_recovery, _kill_after(base_index, scenario, tmp_path, f"t{i}", duration * f),
                                 scenario, f"killed after {f:.0%} of {duration:.1f}s") for i, f in enumerate(fractions)]
        states = [check.result() for check in checks]
    print(f"kill -9 `ragqa {which}` at {len(fractions)} moments of a {duration:.1f}s run: {states}")
