"""Shared fixtures. The whole suite runs with outbound network blocked: any connection to a
non-loopback address fails the test, proving there is no hidden download at run time."""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
SEED = DATA / "samples" / "000_8668bff71fb91613.txt"
QMSUM_SAMPLE = DATA / "bench" / "qmsum-sample.jsonl"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _is_local(address):
        raise RuntimeError(f"network access blocked in tests: connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _is_local(address):
        raise RuntimeError(f"network access blocked in tests: connect to {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def qmsum_sample_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's folder of QMSum-sample indexes, named as `training.train_ranker.train_index` names its cache
    (`bench-qmsum-sample-<embedder>`), so the training scripts reuse them instead of building their own."""
    return tmp_path_factory.mktemp("qmsum-sample-cache")


@pytest.fixture(scope="session")
def qmsum_sample_index(qmsum_sample_cache: Path):
    """`qmsum_sample_index(embedder, ranker_encoder)`: tests/data/bench/qmsum-sample.jsonl indexed by `ragqa build`
    with that embedder and ranker encoder, built on first use and shared by the session: read it, copy it to
    change it."""
    import ragqa
    from ragqa.cli import main as cli_main
    from ragqa.settings import Settings

    opened: dict[tuple[str, str], ragqa.Index] = {}

    def index(embedder: str, ranker_encoder: str = "minilm-qmsum") -> ragqa.Index:
        if (embedder, ranker_encoder) not in opened:
            path = qmsum_sample_cache / ("bench-qmsum-sample-" + embedder
                                         + ("" if ranker_encoder == "minilm-qmsum" else f"-{ranker_encoder}"))
            assert cli_main(["build", str(QMSUM_SAMPLE), "--index", str(path), "--embedder", embedder,
                             "--ranker-encoder", ranker_encoder, "--quiet"]) == 0
            opened[embedder, ranker_encoder] = ragqa.load_index(path, settings=Settings().merged(
                embedder={"model": embedder}, retrieval={"ranker_encoder": ranker_encoder}))
        return opened[embedder, ranker_encoder]

    return index
