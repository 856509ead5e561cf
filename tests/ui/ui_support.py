"""Constants and helpers shared by the UI tests."""
from __future__ import annotations

import socket
from pathlib import Path

import ragqa

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SOURCES = [SAMPLES / "000_8668bff71fb91613.txt", SAMPLES / "kremlin_17162.json"]
SEED_QUESTION = "How long is the border between Kazakhstan and Russia?"
TOKAYEV = "Kassym-Jomart Tokayev"
FERRY = """Lisbon, 3 March 2024 – Harbour committee meeting on the new ferry line.

Maria Santos: The new ferry line to Cacilhas will start on 14 May with boats every twenty minutes.

João Pereira: How many passengers do you expect each day?

Maria Santos: We expect about 9,300 passengers a day in the first year.
"""


def extractive_settings() -> ragqa.Settings:
    """Real answering without a model: the `none` backend quotes the cited passages."""
    return ragqa.load_settings().merged(llm={"backend": "none"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
