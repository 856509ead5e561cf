"""The chat handlers without a browser: what each step of a chat turn shows."""
import pytest
from ui_support import SEED_QUESTION, TOKAYEV

from ragqa.ui.app import SEARCHING, Handlers
from ragqa.ui.service import ChatService


def chat_turn(handlers: Handlers, question: str, speaker: str = "", groups=None, history=None,
              conversation=None) -> list[tuple]:
    return list(handlers.respond(question, history or [], groups or [], conversation or [], 5, speaker, "", "",
                                 "", "none"))


def test_a_chat_turn_shows_progress_then_the_linked_answer_and_its_sources(index):
    steps = chat_turn(Handlers(ChatService(index)), SEED_QUESTION)
    first_history, _, _, _, question_box = steps[0]
    assert first_history[-1]["content"] == SEARCHING and question_box == ""
    reading_panel = steps[1][3]  # the passages being read, before the answer
    assert "passages read" in reading_panel and "7591" in reading_panel
    history, groups, conversation, panel, _ = steps[-1]
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[0]["content"] == SEED_QUESTION
    assert '<a class="cite" href="#src-' in history[-1]["content"]
    assert len(groups) == 1 and groups[0].question == SEED_QUESTION
    assert f'<span class="src-speaker">{TOKAYEV}</span>' in panel and "7591" in panel
    assert [m["role"] for m in conversation] == ["user", "assistant"] and conversation[1]["citations"]


def test_a_follow_up_is_answered_in_the_conversation_and_says_what_was_searched(index):
    handlers = Handlers(ChatService(index))
    history, groups, conversation, _, _ = chat_turn(handlers, "What did Chemezov say about AvtoVAZ?")[-1]
    steps = chat_turn(handlers, "How many employees does it have now?", groups=groups, history=history,
                      conversation=conversation)
    history, groups, conversation, panel, _ = steps[-1]
    assert len(history) == 4 and len(groups) == 2 and len(conversation) == 4
    assert '<div class="searched-for">searched for: How many employees does it have now' in history[-1]["content"]
    assert "66,000" in history[-1]["content"] and "66,000" in panel
    assert conversation[-1]["standalone_question"].startswith("How many employees does it have now")
    assert "avtovaz" in conversation[-1]["standalone_question"]
    assert Handlers.clear()[:3] == ([], [], [])


def test_speaker_filter_restricts_the_cited_passages(index):
    _, groups, _, panel, _ = chat_turn(Handlers(ChatService(index)), "How many employees does AvtoVAZ have now?",
                                    speaker="Sergei Chemezov")[-1]
    assert groups[0].count >= 1
    assert panel.count('<span class="src-speaker">Sergei Chemezov</span>') == groups[0].count


def test_a_bad_date_keeps_the_question_and_asks_nothing(index):
    steps = list(Handlers(ChatService(index)).respond(SEED_QUESTION, [], [], [], 5, "", "", "last week", "", "none"))
    assert steps == [([], [], [], steps[0][3], SEED_QUESTION)]


def test_hostile_question_is_escaped_in_the_chat(index):
    handlers = Handlers(ChatService(index))
    steps = list(handlers.respond("<img src=x onerror=alert(1)> border?", [], [], [], 5, "", "", "2030", "", "none"))
    history, groups, _, _, _ = steps[-1]
    assert history[0]["content"] == "&lt;img src=x onerror=alert(1)&gt; border?"
    assert groups[0].count == 0  # nothing dated 2030 or later: a refusal, no sources


def test_an_answering_error_is_shown_in_the_chat(index):
    steps = list(Handlers(ChatService(index)).respond(SEED_QUESTION, [], [], [], 5, "", "", "", "", "ollama"))
    history, groups, _, _, _ = steps[-1]
    assert 'class="answer-error"' in history[-1]["content"] and "not available" in history[-1]["content"]
    assert groups == []


@pytest.mark.slow
def test_the_local_llm_answer_streams_into_the_chat(index):
    """The default backend (bundled Qwen via llama.cpp): text arrives in pieces, then the checked answer."""
    index.settings = index.settings.merged(llm={"backend": "llamacpp"})
    steps = list(Handlers(ChatService(index)).respond(SEED_QUESTION, [], [], [], 5, "", "", "", "", "llamacpp"))
    assert len(steps) > 4  # the placeholder, the passages read, several partial answers, the final one
    partial = [s[0][-1]["content"] for s in steps[2:-1]]
    assert all(len(a) <= len(b) for a, b in zip(partial, partial[1:]))  # text grows
    history, groups, _, panel, _ = steps[-1]
    assert '<a class="cite"' in history[-1]["content"] and "591" in history[-1]["content"]
    assert f'<span class="src-speaker">{TOKAYEV}</span>' in panel and "7591" in panel


def test_summarize_button_streams_a_cited_summary_of_the_picked_transcript(index):
    handlers = Handlers(ChatService(index))
    seed_id = next(t.id for t in index.transcripts() if "Tokayev" in " ".join(t.speakers))
    steps = list(handlers.summarize(seed_id, [], [], [], "none", progress=lambda *a, **k: None))
    history, groups, conversation, panel, _ = steps[-1]
    assert history[0]["content"].startswith("Summarize “") and '<a class="cite"' in history[-1]["content"]
    assert groups[0].count >= 1 and TOKAYEV in panel
    assert conversation[0]["content"] == history[0]["content"].replace("&ldquo;", "“")


def test_summarize_without_a_transcript_asks_to_pick_one(index):
    steps = list(Handlers(ChatService(index)).summarize("", [], [], [], "none", progress=lambda *a, **k: None))
    assert steps == [([], [], [], steps[0][3], steps[0][4])]
