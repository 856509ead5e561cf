"""Subtitle layouts seen in real exports (reduced files in tests/data/realworld, see tests/data/README.md)."""
from pathlib import Path

import pytest

from ragqa.parsing import parse_file
from ragqa.parsing.encoding import decode_bytes
from ragqa.parsing.jsonturns import parse_json
from ragqa.parsing.plaintext import parse_plaintext
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


LEGACY = {  # short real sentences in each language, encoded in a code page people still save in
    "cp1254": "Bugün hava çok güzel. Şehirde ağaçlar çiçek açtı, insanlar dışarıda yürüyüş yapıyor. "
              "Öğretmenimiz İstanbul'dan geldi ve bize ılık bir çay ısmarladı.",
    "iso8859_9": "Bugün hava çok güzel. Şehirde ağaçlar çiçek açtı, insanlar dışarıda yürüyüş yapıyor.",
    "cp1250": "Dzień dobry. Wczoraj byłem w mieście i kupiłem świeży chleb. Często chodzę na spacer.",
    "cp1251": "Добрый день. Сегодня мы поговорим о развитии экономики и о том, как правительство "
              "поддерживает малый бизнес в регионах.",
    "koi8_r": "Добрый день. Сегодня мы поговорим о развитии экономики и о том, как правительство "
              "поддерживает малый бизнес в регионах.",
    "iso8859_5": "Добрый день. Сегодня мы поговорим о развитии экономики и о малом бизнесе.",
    "cp1253": "Καλημέρα σας. Σήμερα θα μιλήσουμε για την οικονομία της χώρας και για τις νέες επενδύσεις.",
    "iso8859_7": "Καλημέρα σας. Σήμερα θα μιλήσουμε για την οικονομία της χώρας.",
    "cp1255": "שלום לכולם. היום נדבר על הכלכלה של המדינה ועל ההשקעות החדשות באזור הצפון.",
    "cp1256": "مرحبا بكم. اليوم سنتحدث عن اقتصاد البلاد والاستثمارات الجديدة في المنطقة الشمالية.",
    "shift_jis": "こんにちは。今日は日本の経済と新しい投資について話します。皆さん、よろしくお願いします。",
    "gb2312": "大家好。今天我们讨论国家经济和北方地区的新投资。谢谢大家的参与。",
    "big5": "大家好。今天我們討論國家經濟和北方地區的新投資。謝謝大家的參與。",
}


@pytest.mark.parametrize("codec", sorted(LEGACY))
def test_legacy_encodings_are_detected(codec: str) -> None:
    text = ("A: " + LEGACY[codec] + "\n") * 3
    assert decode_bytes(text.encode(codec), "sample.txt") == text


def test_netflix_sdh_bracket_names_and_dialogue_colons() -> None:
    path = DATA / "netflix_sdh_excerpt.vtt"
    (transcript,), _ = parse_vtt(path.read_text(encoding="utf-8"), str(path), path.stem)
    rows = [(t.speaker, t.text[:30]) for t in transcript.turns]
    assert rows == [
        ("Alba", "En 1928, las mujeres éramos al"),  # the sentence runs on over three cues
        ("", "Objetos sin poder de opinión n"),  # "[risita]" is a sound, not a speaker
        ("Ángeles", "No, no, no, no puede..."),
        ("", "de la compañía de telefonía má"),  # "Digo:" is dialogue in a file without Name: labels
    ]
    assert 'Digo: "Le doy un abrazo al estirado".' in transcript.turns[3].text
    assert transcript.turns[0].start == 7.96 and transcript.turns[0].end == 16.44


def _plain(name: str) -> list[tuple[str, str, float | None]]:
    path = DATA / name
    transcripts, problems = parse_plaintext(path.read_text(encoding="utf-8"), str(path), path.stem)
    assert problems == []
    return [(t.speaker, t.text, t.start) for t in transcripts[0].turns]


def test_plain_text_diarization_labels() -> None:
    assert _plain("diarized.txt") == [("SPEAKER_00", "Welcome back to the show.", None),
                                      ("SPEAKER_01", "Thanks, glad to be here.", None),
                                      ("SPEAKER_00", "Let us start with your new book.", None)]


def test_bracketed_names_and_header_lines() -> None:
    assert _plain("bracket_headers.txt") == [("Alice Moreno", "Good morning, everyone.\nLet us begin.", 1.0),
                                             ("Bob Tan", "Morning. I have the numbers.", 9.0),
                                             ("Alice Moreno", "Great, go ahead.", None)]


def test_zoom_chat_export() -> None:
    assert _plain("zoom_chat.txt") == [("Alice Moreno", "Can everyone see my screen?", 62.0),
                                       ("Bob Tan", "Yes, it is visible.", 70.0),
                                       ("Alice Moreno", "Great, thanks.", 75.0)]


def test_screenplay_names_alone_on_their_line() -> None:
    assert [(s, t) for s, t, _ in _plain("screenplay.txt")] == [
        ("", "INT. COFFEE HOUSE - DAY"), ("MONICA", "There is nothing to tell."),
        ("JOEY", "Come on, you are going out with the guy."), ("MONICA", "It is just some guy I work with."),
        ("CHANDLER", "All right, Joey, be nice.")]


def test_group_label_and_capitalised_prose() -> None:
    assert [(s, t) for s, t, _ in _plain("group_label.txt")] == [
        ("Monica", "Okay, everybody, dinner is ready."), ("Phoebe, Ross, Chandler, and Joey", "Finally!"),
        ("Ross", "I have one thing to say first.\n\nMORE IMPORTANTLY: nobody touches the turkey until I am done."),
        ("Monica", "Fine.")]


def test_markdown_podcast_times_and_section_markers() -> None:
    assert _plain("podcast.md") == [("Host", "Welcome to the podcast.", 0.0),
                                    ("Guest", "Thank you for having me.", 12.0),
                                    ("", "This episode is brought to you by our listeners.", None),
                                    ("Host", "So, where were we?", 270.0)]


def test_utterances_times_in_milliseconds_become_seconds() -> None:
    path = DATA / "utterances.json"
    (transcript,), _ = parse_json(path.read_text(encoding="utf-8"), str(path), path.stem)
    assert [(t.start, t.end) for t in transcript.turns] == [(0.25, 1.9), (2.0, 2.8)]


def test_utterances_times_with_fractions_are_seconds() -> None:
    text = '{"utterances": [{"speaker": 0, "start": 0.08, "end": 2, "transcript": "Hello."}]}'
    (transcript,), _ = parse_json(text, "deepgram.json", "deepgram")
    assert [(t.speaker, t.text, t.start, t.end) for t in transcript.turns] == [("0", "Hello.", 0.08, 2.0)]


def test_deepgram_results_utterances() -> None:
    text = ('{"metadata": {"request_id": "r1"}, "results": {"utterances": ['
            '{"speaker": 0, "start": 0.08, "end": 1.5, "transcript": "Hello."},'
            '{"speaker": 1, "start": 1.7, "end": 2.4, "transcript": "Hi there."}]}}')
    (transcript,), _ = parse_json(text, "call.json", "call")
    assert [(t.speaker, t.text, t.start) for t in transcript.turns] == [("0", "Hello.", 0.08), ("1", "Hi there.", 1.7)]


BALTIC_AND_CENTRAL = [  # (code page, sentence): letters that cp1252 would also decode, into the wrong ones
    ("cp1257", "Laba diena. Šiandien kalbėsime apie šalies ekonomiką ir naujas investicijas į šiaurės regioną."),
    ("cp1257", "Labdien. Šodien mēs runāsim par valsts ekonomiku un jaunajām investīcijām ziemeļu reģionā."),
    ("cp1257", "Tere päevast. Täna räägime riigi majandusest ja uutest investeeringutest põhjapiirkonnas."),
    ("iso8859_13", "Laba diena. Šiandien kalbėsime apie šalies ekonomiką ir naujas investicijas į šiaurės regioną."),
    ("iso8859_2", "Dzień dobry. Wczoraj byłem w mieście i kupiłem świeży chleb. Często chodzę na spacer z psem."),
    ("iso8859_2", "Dobrý den. Dnes budeme mluvit o ekonomice země a o nových investicích v severním regionu."),
    ("iso8859_2", "Dobrý deň. Dnes budeme hovoriť o ekonomike krajiny. Ďakujem, že ste prišli."),
    ("cp1250", "Dobrý den. Dnes budeme mluvit o ekonomice země a o nových investicích v severním regionu."),
    ("cp1250", "Dobar dan. Danas ćemo govoriti o gospodarstvu zemlje i o novim ulaganjima. Hvala što ste došli."),
]


@pytest.mark.parametrize(("codec", "sentence"), BALTIC_AND_CENTRAL)
def test_baltic_and_central_european_code_pages(codec: str, sentence: str) -> None:
    text = ("A: " + sentence + "\n") * 3
    assert decode_bytes(text.encode(codec), "sample.txt") == text


def test_tv_script_stage_directions_are_narration() -> None:
    assert [(s, t) for s, t, _ in _plain("tv_script.txt")] == [
        ("", "[Scene: Central Perk, the gang is all there.]"), ("Monica", "There is nothing to tell!"),
        ("Joey", "Come on, you are going out with the guy!"), ("", "(They all stare at her.)"),
        ("Chandler", "All right, Joey, be nice.")]


def test_zoom_chat_from_to_lines() -> None:
    assert _plain("zoom_chat_from.txt") == [("Alice Moreno", "Can everyone see my screen?", 36153.0),
                                            ("Bob Tan", "Yes, it is visible.", 36160.0),
                                            ("Alice Moreno", "Thanks!", 36185.0)]


def test_names_with_a_bracketed_time_and_no_colon() -> None:
    assert _plain("timed_names.txt") == [
        ("Alice Moreno", "Welcome to the show. Today we talk about bridges.", 0.0),
        ("Bob Tan", "Thanks for having me.", 12.0), ("Alice Moreno", "Let us start with the oldest one.", 90.0)]


def test_substation_alpha_name_field_is_the_speaker() -> None:
    (transcript,), problems = parse_file(DATA / "named_events.ass")
    assert problems == []
    assert [(t.speaker, t.text, t.start, t.end) for t in transcript.turns] == [
        ("Alice", "Where were you? I waited for an hour.", 1.0, 3.5),
        ("Bob", "The train was late. Sorry.", 3.6, 6.0)]  # comment and drawing events skipped


def test_unreadable_ttml_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttml"
    path.write_text('<tt xmlns="http://www.w3.org/ns/ttml"><body><div>'
                    '<p begin="00:00:09:20" end="00:00:12:07">ABC</p></div></body></tt>', encoding="utf-8")
    transcripts, problems = parse_file(path)
    assert transcripts == []
    assert [p.message for p in problems] == ["cannot read TTML subtitles: Unsupported time expression: 00:00:09:20"]


def test_podcast_name_over_a_timed_line() -> None:
    assert _plain("podcast_name_over_time.txt") == [
        ("Lex Fridman", "The following is a conversation with a bridge engineer.", 0.0),
        ("Alice Moreno", "Thanks for having me.\n(00:00:45) It is good to be here.", 41.0),
        ("Lex Fridman", "Let us start at the beginning.", 62.0)]


def test_note_block_containing_an_arrow_is_a_comment() -> None:
    (transcript,), problems = parse_file(DATA / "corpus" / "pycaption" / "sample_webvtt_note_with_arrow.vtt")
    assert problems == []
    assert [(t.text, t.start) for t in transcript.turns] == [("Hello", 1.0)]


def test_whisper_console_lines_keep_their_start_times() -> None:
    assert _plain("whisper_console.txt") == [("", "Welcome back to the channel.", 0.0),
                                             ("", "Today we look at three old bridges.", 4.2),
                                             ("", "Let us begin.", 9.8)]
