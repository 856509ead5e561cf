"""Run the ragqa CLI and kill -9 it just before its Nth file-system operation inside the index folder.

    python killpoint.py INDEX_DIR N TRACE_FILE -- build SOURCES... --index INDEX_DIR

Operations are seen through Python's audit hooks (open in any mode, rename/replace, mkdir, rmdir,
remove, rmtree, listdir, scandir), so the kill points fall between every stage of a write: creating
the temp segment, each file, each fsync reopen, the segment rename, the manifest write and rename,
and the clean-up. With N = 0 the command runs to completion and the operations it performed are
written to TRACE_FILE, one per line, so a test can choose where to kill.
"""
from __future__ import annotations

import os
import signal
import sys

EVENTS = frozenset({"open", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.listdir",
                    "os.scandir", "os.truncate"})


def main() -> int:
    index_dir, target, trace_file = os.path.abspath(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    argv = sys.argv[sys.argv.index("--") + 1:]
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
    from ragqa.cli import main as cli_main

    code = cli_main(argv)
    with open(trace_file, "w", encoding="utf-8") as fh:
        fh.write("\n".join(seen) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
