from ragqa.types import Answer, Citation
from ragqa.ui.render import (answer_html, format_time, header_html, source_card, source_group, sources_panel,
                             turns_label)

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def citation(**fields) -> Citation:
    base = dict(n=1, transcript_id="t1", title="Talk", speaker="Ann", turns=[2, 3], quote="Ann: It is 7591 km.",
                score=0.5, date="2025-10-10")
    return Citation(**{**base, **fields})


def test_answer_markers_link_to_their_cards_only_when_cited():
    html = answer_html("Long [1]. Unchecked [2].", "a7", cited=[1])
    assert '<a class="cite" href="#src-a7-1"' in html
    assert '<span class="cite-pending">[2]</span>' in html


def test_answer_text_is_escaped():
    html = answer_html(HOSTILE + " [1]", "a1", cited=[1])
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_source_card_shows_speaker_title_date_turns_time_and_highlighted_quote():
    card = source_card(citation(start=83.0, end=95.5), "a1", "The border is 7,591 km [1].", n_turns=12)
    assert 'id="src-a1-1"' in card
    assert '<span class="src-speaker">Ann</span>' in card
    assert "turns 3–4 of 12" in card and "1:23–1:35" in card
    assert "Talk" in card and "2025-10-10" in card
    assert "<mark>7591</mark>" in card
    assert "Ann: It is" not in card  # the speaker prefix is not repeated inside the quote


def test_source_card_escapes_every_transcript_field():
    card = source_card(citation(speaker=HOSTILE, title=HOSTILE, quote=HOSTILE + " 7591", date=HOSTILE),
                       "a1", "It is 7591 [1].", n_turns=None, url="javascript:alert(3)")
    assert "<script" not in card and "<img" not in card and "javascript:" not in card
    assert card.count("&lt;script&gt;") == 4


def test_only_http_urls_become_links():
    assert 'href="https://example.org/t?a=1&amp;b=2"' in source_card(citation(), "a1", "x [1]", None,
                                                                  url="https://example.org/t?a=1&b=2")


def test_narration_and_single_turn_labels():
    assert "<em>Narration</em>" in source_card(citation(speaker="", turns=[0]), "a1", "x [1]", None)
    assert turns_label([4], 9) == "turn 5 of 9"
    assert turns_label([4, 5], None) == "turns 5–6"
    assert format_time(3723) == "1:02:03" and format_time(59.9) == "0:59"


def test_sources_panel_lists_cited_passages_latest_answer_open():
    first = source_group(Answer("A [1].", [citation()]), "a1", "First <b>q</b>?", {"t1": 12}, {})
    second = source_group(Answer("No idea.", [], refused=True), "a2", "Second?", {}, {})
    panel = sources_panel([first, second])
    assert panel.index("Second?") < panel.index("First &lt;b&gt;q&lt;/b&gt;?")
    assert '<details class="src-group" data-answer="a2" open>' in panel
    assert '<details class="src-group" data-answer="a1">' in panel
    assert "No passage cited for this answer." in panel
    assert panel.count('class="src-card"') == 1


def test_header_shows_index_stats_and_models():
    html = header_html({"transcripts": 2, "turns": 1234, "chunks": 19}, "e5-small", "Qwen <x>")
    assert "<b>2</b> transcripts" in html and "<b>1,234</b> turns" in html
    assert "e5-small" in html and "Qwen &lt;x&gt;" in html


def test_speaker_labels_in_a_quoting_answer_are_not_highlighted():
    answer = Answer('Ann Lee: "The bridge opens in May." [1]', [citation(speaker="Ann Lee", quote="Ann Lee said the "
                                                                             "bridge opens in May.")])
    cards = source_group(answer, "a1", "When?", {}, {}).cards
    assert "<mark>bridge opens</mark>" in cards and "<mark>May</mark>" in cards
    assert "<mark>Ann" not in cards
