"""Offline: tests/conftest.py refuses every non-loopback connect in the test process (before any packet
is sent), and the CLI builds, searches and answers inside a network namespace that has no network."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.request

import pytest
from reliability_support import TRANSCRIPTS, child_env, cli_command, write_transcripts

BLOCKED = "network access blocked in tests"


@pytest.mark.parametrize("family,address", [
    (socket.AF_INET, ("10.255.255.1", 80)),
    (socket.AF_INET6, ("2001:db8::1", 443)),
    (socket.AF_INET, ("example.com", 80)),  # refused before the name is resolved
])
def test_non_loopback_connect_is_refused_before_sending(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        with pytest.raises(RuntimeError, match=BLOCKED):
            sock.connect(address)
        with pytest.raises(RuntimeError, match=BLOCKED):
            sock.connect_ex(address)


def test_library_level_clients_are_refused():
    with pytest.raises(RuntimeError, match=BLOCKED):
        socket.create_connection(("10.255.255.1", 80), timeout=1)
    with pytest.raises(RuntimeError, match=BLOCKED):
        urllib.request.urlopen("http://10.255.255.1/", timeout=1)


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=5) as client:
            peer, _ = server.accept()
            with peer:
                client.sendall(b"ping")
                assert peer.recv(4) == b"ping"


@pytest.mark.slow
def test_cli_works_without_any_network(tmp_path):
    """`ragqa build`, `search` and `ask` in a fresh network namespace (no interface but loopback):
    nothing at run time needs the network (models are bundled)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("cannot create a network namespace here (needs root or user namespaces)")
    sources = write_transcripts(tmp_path / "src", {k: TRANSCRIPTS[k] for k in ("harbour", "library")})
    index = tmp_path / "index"
    steps = [["build", *map(str, sources), "--index", str(index), "--quiet"],
             ["search", "ferry passengers", "--index", str(index), "--json", "-k", "2"],
             ["ask", "How many passengers a day?", "--llm", "none", "--json", "--index", str(index)]]
    outputs = []
    for args in steps:
        done = subprocess.run(["unshare", "-n", *cli_command(args)], env=child_env(), cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        outputs.append(done.stdout)
    assert json.loads(outputs[1])[0]["transcript_id"] == "harbour"
    assert "9,300" in json.loads(outputs[2])["answer"]
