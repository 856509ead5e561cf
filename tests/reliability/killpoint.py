"""Run the ragqa CLI and kill -9 it just before its Nth file-system operation inside the index folder.

    python killpoint.py INDEX_DIR N TRACE_FILE -- build SOURCES... --index INDEX_DIR

Operations are seen through Python's audit hooks (open in any mode, rename/replace, mkdir, rmdir,
remove, rmtree, listdir, scandir), so the kill points fall between every stage of a write: creating
the temp segment, each file, each fsync reopen, the segment rename, the manifest write and rename,
and the clean-up. With N = 0 the command runs to completion and the operations it performed are
written to TRACE_FILE, one per line, so a test can choose where to kill.

    python killpoint.py --serve

is a fork server for tests that start many such runs (`ForkServer` is its client): it imports ragqa
once, then forks one child per request. Each child is a real
process that runs the CLI on its own file descriptors, optionally under a file-size limit, and is
killed with SIGKILL at its kill point; the server waits for it and replies with its exit status and
output.
"""
from __future__ import annotations

import json
import os
import queue
import resource
import select
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

EVENTS = frozenset({"open", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.listdir",
                    "os.scandir", "os.truncate"})


def install_kill_hook(index_dir: str, target: int) -> list[str]:
    """Record the operations inside `index_dir` and SIGKILL this process before the `target`th
    (never if 0). Returns the list the operations are appended to."""
    index_dir = os.path.abspath(index_dir)
    seen: list[str] = []

    def hook(event: str, args: tuple) -> None:
        if event not in EVENTS or not args or not isinstance(args[0], (str, bytes, os.PathLike)):
            return
        path = os.fsdecode(args[0])
        dir_fd = args[-1] if event in ("os.remove", "os.rmdir", "os.mkdir") else None
        if isinstance(dir_fd, int) and dir_fd >= 0 and not os.path.isabs(path):  # rmtree works by dir fd
            path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
        path = os.path.abspath(path)
        if path != index_dir and not path.startswith(index_dir + os.sep):
            return
        seen.append(f"{event} {os.path.relpath(path, index_dir)} {args[1] if len(args) > 1 else ''}")
        if len(seen) == target:
            os.kill(os.getpid(), signal.SIGKILL)

    sys.addaudithook(hook)
    return seen


def run_killed(index_dir: str, target: int, trace_file: str | None, argv: Sequence[str]) -> int:
    """The CLI on `argv`, killed before operation `target`; the trace is written if it completes."""
    seen = install_kill_hook(index_dir, target)
    from ragqa.cli import main as cli_main

    code = cli_main(list(argv))
    if trace_file:
        with open(trace_file, "w", encoding="utf-8") as fh:
            fh.write("\n".join(seen) + "\n")
    return code


def main() -> int:
    if sys.argv[1:] == ["--serve"]:
        return serve()
    index_dir, target, trace_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    return run_killed(index_dir, target, trace_file, sys.argv[sys.argv.index("--") + 1:])


# -- fork server --------------------------------------------------------------------------------

def _preload() -> None:
    """Import what every CLI run imports (about two thirds of a short run's time). Nothing here may
    start a thread, create an onnxruntime session or load e5: only the forking thread survives fork."""
    import scipy.sparse  # noqa: F401
    import tokenizers  # noqa: F401
    import tqdm  # noqa: F401

    import ragqa.cli  # noqa: F401
    import ragqa.embedding.bert_onnx  # noqa: F401
    import ragqa.embedding.e5  # noqa: F401
    import ragqa.embedding.ranker_encoder  # noqa: F401
    import ragqa.index  # noqa: F401


def _child(request: dict, out_fd: int, err_fd: int) -> None:
    """In the forked child: become the requested CLI run, then exit with its status."""
    code = 1
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        for fd, std in ((null, 0), (out_fd, 1), (err_fd, 2)):
            os.dup2(fd, std)
            os.close(fd)
        os.chdir(request["cwd"])
        if request.get("fsize_limit") is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the writer instead of failing it
            resource.setrlimit(resource.RLIMIT_FSIZE, (request["fsize_limit"], request["fsize_limit"]))
        code = run_killed(request["index_dir"], request["kill_before"], request.get("trace_file"), request["argv"])
    except SystemExit as exc:  # argparse
        code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # shown as a Python process would show it
        traceback.print_exc()
        code = 1
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except OSError:
                pass
        os._exit(code)


def _wait(pid: int, out_r: int, err_r: int, timeout: float) -> tuple[int | None, str, str]:
    """Collect the child's output until it exits (killing it after `timeout` s): status, stdout, stderr."""
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    open_fds = [out_r, err_r]
    deadline = time.monotonic() + timeout
    timed_out = False
    while open_fds:
        ready, _, _ = select.select(open_fds, [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            timed_out = True
            break
        for fd in ready:
            data = os.read(fd, 65536)
            if data:
                chunks[fd].append(data)
            else:
                open_fds.remove(fd)
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    text = {fd: b"".join(parts).decode("utf-8", "replace") for fd, parts in chunks.items()}
    return (None if timed_out else status), text[out_r], text[err_r]


def serve() -> int:
    """Read one JSON request per line on stdin, run it in a forked child, reply one JSON line."""
    _preload()
    if threading.active_count() != 1:  # (numpy's OpenBLAS threads are native and re-form after fork)
        raise RuntimeError(f"the fork server runs {threading.active_count()} threads; only the forking one survives")
    requests, replies = sys.stdin, sys.stdout
    for line in requests:
        request = json.loads(line)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(out_r)
            os.close(err_r)
            _child(request, out_w, err_w)
        os.close(out_w)
        os.close(err_w)
        status, out, err = _wait(pid, out_r, err_r, request["timeout"])
        os.close(out_r)
        os.close(err_r)
        replies.write(json.dumps({"returncode": status, "stdout": out, "stderr": err}) + "\n")
        replies.flush()
    return 0


@dataclass
class Run:
    """The outcome of a forked CLI run, like `subprocess.CompletedProcess` (returncode -9: killed)."""

    returncode: int
    stdout: str
    stderr: str


class ForkServer:
    """Client of `killpoint.py --serve`, safe to call from several threads: up to `processes` runs at a time
    (one server process each, started when first needed)."""

    def __init__(self, env: Mapping[str, str], processes: int = 2) -> None:
        self._env = dict(env)
        self._idle: queue.LifoQueue[subprocess.Popen] = queue.LifoQueue()
        self._all: list[subprocess.Popen] = []
        self._slots = threading.BoundedSemaphore(processes)
        self._lock = threading.Lock()

    def _take(self) -> subprocess.Popen:
        self._slots.acquire()
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve"], env=self._env,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            with self._lock:
                self._all.append(proc)
            return proc

    def _give_back(self, proc: subprocess.Popen) -> None:
        self._idle.put(proc)
        self._slots.release()

    def run(self, argv: Sequence[str], index_dir: Path, cwd: Path, kill_before: int = 0, trace_file: Path | None = None,
            fsize_limit: int | None = None, timeout: float = 300) -> Run:
        """The CLI on `argv` in a fresh child: SIGKILLed before operation `kill_before` in `index_dir` (0:
        never; a complete run writes its trace to `trace_file`), with files limited to `fsize_limit` bytes."""
        request = {"argv": list(map(str, argv)), "index_dir": str(index_dir), "cwd": str(cwd),
                   "kill_before": kill_before, "trace_file": str(trace_file) if trace_file else None,
                   "fsize_limit": fsize_limit, "timeout": timeout}
        proc = self._take()
        try:
            assert proc.stdin and proc.stdout
            proc.stdin.write(json.dumps(request) + "\n")
            proc.stdin.flush()
            reply = proc.stdout.readline()
        finally:
            self._give_back(proc)
        if not reply:
            raise RuntimeError(f"the fork server exited (rc {proc.poll()})")
        result = json.loads(reply)
        if result["returncode"] is None:
            raise subprocess.TimeoutExpired(argv, timeout, result["stdout"], result["stderr"])
        return Run(result["returncode"], result["stdout"], result["stderr"])

    def close(self) -> None:
        for proc in self._all:
            assert proc.stdin
            proc.stdin.close()
            proc.wait(timeout=60)


if __name__ == "__main__":
    sys.exit(main())
