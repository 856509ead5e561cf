"""Subtitle layouts seen in real exports (reduced files in tests/data/realworld, see tests/data/README.md)."""
from pathlib import Path

from ragqa.parsing.jsonturns import parse_json
from ragqa.parsing.subtitles import parse_srt, parse_vtt

DATA = Path(__file__).resolve().parents[1] / "data" / "realworld"


def _turns(name: str, parse) -> list[tuple[str, str]]:
    path = DATA / name
    transcripts, _ = parse(path.read_text(encoding="utf-8"), str(path), path.stem)
    return [(t.speaker, t.text) for t in transcripts[0].turns]


def test_note_as_cue_identifier_keeps_the_cue() -> None:
    assert [text for _, text in _turns("note_identifier.vtt", parse_vtt)] == ["Hello there. General Kenobi."]


def test_cues_without_blank_lines_keep_every_text_line() -> None:
    assert [text for _, text in _turns("cue_spacing.vtt", parse_vtt)] == [
        "first line of speech second line of speech"]


def test_diarization_labels_and_ass_escapes() -> None:
    assert _turns("diarized.srt", parse_srt) == [
        ("SPEAKER_00", "Welcome to the show."), ("SPEAKER_01", "Thanks for having me."), ("SPEAKER_00", "Sure.")]


def test_several_voices_on_one_line() -> None:
    assert _turns("two_voices.vtt", parse_vtt) == [("Alice", "Hello"), ("Bob", "Hi")]


def _json(name: str) -> list[tuple[str, str]]:
    path = DATA / name
    transcripts, _ = parse_json(path.read_text(encoding="utf-8"), str(path), path.stem)
    return [(t.speaker, t.text) for t in transcripts[0].turns]


def test_whisperx_segments_json() -> None:
    assert _json("whisperx_segments.json") == [
        ("SPEAKER_00", "Welcome back to the podcast."), ("SPEAKER_01", "Thanks for having me.")]


def test_qmsum_meeting_file_json() -> None:
    assert _json("qmsum_meeting.json") == [("Project Manager", "Okay. Good morning everybody."),
                                          ("Marketing", "Morning.")]


def test_utterances_json() -> None:
    assert _json("utterances.json") == [("A", "Hi, can you hear me?"), ("B", "Yes, loud and clear.")]
