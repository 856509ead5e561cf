"""`ragqa chat`: an interactive conversation on stdin, answers streamed, citations listed, /new."""
import io
from pathlib import Path

from ragqa.cli import main as cli_main

SAMPLES = Path(__file__).resolve().parent / "data" / "samples"


def test_cli_chat_answers_a_follow_up_and_starts_over_on_new(tmp_path, capsys, monkeypatch):
    index_dir = tmp_path / "index"
    sources = [str(SAMPLES / "000_8668bff71fb91613.txt"), str(SAMPLES / "kremlin_17162.json")]
    assert cli_main(["build", *sources, "--index", str(index_dir), "--quiet", "--llm", "none"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("HOME", str(tmp_path))  # the readline history file goes here
    lines = ["What did Chemezov say about AvtoVAZ?", "How many employees does it have now?", "/new", "Why?", "/quit"]
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines) + "\n"))
    assert cli_main(["chat", "--index", str(index_dir), "--llm", "none"]) == 0
    out = capsys.readouterr().out
    first, follow_up, after_new = out.split("you> ")[1:4]
    assert "[1] Meeting with CEO of Russian Technologies" in first and "(searched for:" not in first
    assert "(searched for: How many employees does it have now" in follow_up and "66,000" in follow_up
    assert "(new conversation)" in after_new
    assert "(searched for:" not in out.split("(new conversation)")[1]  # "Why?" alone: nothing to carry
