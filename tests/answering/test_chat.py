"""Conversations: reading chat messages, deciding what is a follow-up, the rule-based carry-over,
the LLM rewrite's reply checks, and Index.chat end to end with the `none` backend on real data."""
from pathlib import Path

import pytest

import ragqa
from ragqa.answering.chat import plan_search
from ragqa.answering.condense import (clean_rewrite, history_text, invents, load_condense_prompts, repeats_earlier,
                                      rewrite_messages)
from ragqa.answering.conversation import Conversation, Exchange, read_conversation
from ragqa.answering.followup import follows_up, read_follow_up, rewrite_by_rules, still_missing
from ragqa.errors import RagqaError
from ragqa.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
SEED_ID = "000_8668bff71fb91613"
SPEAKERS = ["Vladimir Putin", "Kassym-Jomart Tokayev", "Sergei Chemezov", "President of Russia Vladimir Putin"]
BORDER = "How long is the border between Kazakhstan and Russia?"


def tokayev_answer(text: str = "7591 kilometres [1].") -> dict:
    return {"role": "assistant", "content": text,
            "citations": [{"n": 1, "transcript_id": SEED_ID, "speaker": "Kassym-Jomart Tokayev"}]}


def test_messages_are_read_in_chat_form_and_in_pairs():
    conversation = read_conversation([{"role": "system", "content": "be brief"},
                                      {"role": "user", "content": BORDER}, tokayev_answer(),
                                      {"role": "user", "content": "And <b>trade</b>?"}])
    assert conversation.question == "And trade?"
    (exchange,) = conversation.history
    assert exchange.question == BORDER and exchange.answer == "7591 kilometres."  # markers dropped
    assert exchange.sources[0].transcript_id == SEED_ID
    pairs = read_conversation([[BORDER, "7591 kilometres [1]."], {"role": "user", "content": "And trade?"}])
    assert pairs.history[0].question == BORDER and pairs.question == "And trade?"


@pytest.mark.parametrize("messages, problem", [
    ([], "must end with the user's question"),
    ([{"role": "user", "content": BORDER}, {"role": "assistant", "content": "7591"}], "must end with"),
    ([{"role": "robot", "content": BORDER}], "role must be"),
    ([{"role": "user", "content": "   "}], "is empty"),
    (["just a string"], "messages[0]"),
])
def test_malformed_messages_are_named(messages, problem):
    with pytest.raises(RagqaError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        read_conversation(messages)


@pytest.mark.parametrize("question", [
    BORDER, "What did Putin say about gas supplies to Europe?", "Qual è il volume degli scambi commerciali?",
    "Какая компания участвует в строительстве атомной электростанции?"])
def test_questions_that_stand_alone_are_not_follow_ups(question):
    assert not follows_up(question)


@pytest.mark.parametrize("question", [
    "And what did he say about trade last year?", "What about Putin?", "Why?", "Which company takes part in it?",
    "E cosa ha detto sul commercio?", "Quante sedi operano lì?", "А когда он приедет в Россию?", "А какова её сумма?"])
def test_follow_ups_are_recognised(question):
    assert follows_up(question)


def test_a_pronoun_takes_the_speaker_the_previous_answer_cited():
    conversation = read_conversation([{"role": "user", "content": BORDER}, tokayev_answer(),
                                      {"role": "user", "content": "And what did he say about trade last year?"}])
    reading = read_follow_up(conversation, SPEAKERS)
    assert reading.speakers == ("Kassym-Jomart Tokayev",) and reading.transcript == SEED_ID
    assert rewrite_by_rules(conversation.question, reading) == "And what did he (Tokayev) say about trade last year?"


def test_an_elliptical_question_takes_the_previous_topic_and_drops_its_speaker():
    conversation = Conversation("What about Putin?", (Exchange("What did Tokayev say about the border?", "…"),))
    reading = read_follow_up(conversation, SPEAKERS)
    assert reading.speakers == () and reading.terms == ("border",)
    assert rewrite_by_rules(conversation.question, reading) == "What about Putin — border?"


def test_a_russian_follow_up_names_the_speaker_of_the_previous_question():
    conversation = Conversation("А что он сказал о торговле?", (Exchange("Что сказал Токаев о границе?", "…"),))
    assert rewrite_by_rules(conversation.question, read_follow_up(conversation, SPEAKERS)) == \
        "А что он (Tokayev) сказал о торговле?"


def test_a_thing_pointed_at_brings_the_previous_topic_and_the_speaker_named_before():
    conversation = Conversation("Which company takes part in it?",
                                (Exchange("What did Tokayev say about the nuclear power plant?", "…"),))
    assert rewrite_by_rules(conversation.question, read_follow_up(conversation, SPEAKERS)) == \
        "Which company takes part in it (Tokayev) — nuclear power plant?"


def test_a_standalone_question_is_searched_as_it_is_without_the_llm():
    conversation = read_conversation([{"role": "user", "content": BORDER}, tokayev_answer(),
                                      {"role": "user", "content": "What did Putin say about gas supplies?"}])
    plan = plan_search(conversation, SPEAKERS, llm=object())  # an object that is no LLM: never called
    assert plan == plan_search(conversation, SPEAKERS)
    assert (plan.question, plan.transcript, plan.method) == ("What did Putin say about gas supplies?", None, "as is")


def test_a_summary_follow_up_keeps_its_words_and_the_transcript():
    conversation = read_conversation([{"role": "user", "content": BORDER}, tokayev_answer(),
                                      {"role": "user", "content": "Summarize this meeting"}])
    plan = plan_search(conversation, SPEAKERS, llm=object())  # no call: the question is not rewritten
    assert (plan.question, plan.transcript, plan.method) == ("Summarize this meeting", SEED_ID, "as is")


def test_the_rewrite_reply_is_cleaned_or_refused():
    question = "And what did he say about trade?"
    assert clean_rewrite('Rewritten question: "What did Tokayev say about trade?"\nextra', question) == \
        "What did Tokayev say about trade?"
    assert clean_rewrite("", question) is None
    assert clean_rewrite("NO_ANSWER", question) is None
    assert clean_rewrite("Cosa ha detto Tokayev sul commercio?", question) is None  # another language
    assert clean_rewrite("Tokayev said " + "trade grew " * 60, question) is None  # an answer, not a question


def test_the_rewrite_prompt_keeps_the_newest_exchanges_within_its_budget():
    old = tuple(Exchange(f"Old question number {i} about the harbour budget?", "An answer " * 30) for i in range(20))
    conversation = Conversation("And what did he say?", old + (Exchange(BORDER, "7591 kilometres."),))
    text = history_text(conversation, budget=200)
    assert text.endswith("User: " + BORDER + "\nAssistant: 7591 kilometres.")
    assert "number 0 " not in text and len(text) < 1200
    messages = rewrite_messages(conversation, load_condense_prompts())
    assert "{" not in messages[0].content  # the fixed instructions: one cacheable prefix
    assert "And what did he say?" in messages[1].content and "English" in messages[1].content


@pytest.fixture(scope="module")
def two_meetings(tmp_path_factory):
    return ragqa.build_index([SAMPLES / f"{SEED_ID}.txt", SAMPLES / "kremlin_17162.json"],
                             tmp_path_factory.mktemp("chat") / "index",
                             settings=Settings(threads=2, llm={"backend": "none"}))


def test_index_chat_answers_a_follow_up_from_the_transcript_in_scope(two_meetings):
    first = two_meetings.chat([{"role": "user", "content": "What did Chemezov say about AvtoVAZ?"}])
    assert first.standalone_question == "What did Chemezov say about AvtoVAZ?" and first.citations
    messages = [{"role": "user", "content": "What did Chemezov say about AvtoVAZ?"},
                {"role": "assistant", "content": first.text, **first.to_dict()},
                {"role": "user", "content": "How many employees does it have now?"}]
    stream = two_meetings.chat(messages, stream=True)
    assert stream.sources and {h.transcript_id for h in stream.sources} == {first.citations[0].transcript_id}
    assert any("66,000" in h.text for h in stream.sources)  # known before the first word
    answer = stream.answer
    assert answer.standalone_question.startswith("How many employees does it have now")
    assert answer.standalone_question != messages[-1]["content"]
    assert "66,000" in answer.text and answer.to_dict()["standalone_question"] == answer.standalone_question


def test_index_chat_carries_the_speaker_into_a_pronoun_question(two_meetings):
    messages = [{"role": "user", "content": BORDER}, tokayev_answer(),
                {"role": "user", "content": "And what did he say about trade last year?"}]
    answer = two_meetings.chat(messages, k=3)
    assert answer.standalone_question == "And what did he (Tokayev) say about trade last year?"
    hits = two_meetings.search(answer.standalone_question, k=3, transcript=SEED_ID)
    assert any("28 miliardi" in h.text for h in hits)


def test_the_rules_add_what_the_llm_rewrite_left_out():
    conversation = read_conversation([{"role": "user", "content": BORDER}, tokayev_answer(),
                                      {"role": "user", "content": "And what did he say about trade last year?"}])
    reading = read_follow_up(conversation, SPEAKERS)
    assert rewrite_by_rules("What did he say about trade last year?",
                            still_missing("What did he say about trade last year?", reading, SPEAKERS)) == \
        "What did he (Tokayev) say about trade last year?"
    named = "What did Tokayev say about trade last year?"
    assert still_missing(named, reading, SPEAKERS).speakers == ()
    plant = read_follow_up(Conversation("Which company takes part in it?", (
        Exchange("What did Tokayev say about the nuclear power plant?", "…"),)), SPEAKERS)
    assert still_missing("Which company is involved in the nuclear power plant?", plant, SPEAKERS).terms == ()
    assert still_missing("Which company takes part?", plant, SPEAKERS).terms == ("nuclear", "power", "plant")


def test_a_rewrite_that_repeats_the_previous_question_is_refused():
    conversation = Conversation("E il volume degli scambi dell'anno scorso?",
                                (Exchange("Quanto è lungo il confine tra Kazakistan e Russia?", "7591 km."),))
    assert repeats_earlier("Quanto è lungo il confine tra Kazakistan e Russia?", conversation)
    assert not repeats_earlier("Qual è stato il volume degli scambi dell'anno scorso?", conversation)


def test_a_rewrite_that_brings_in_a_fact_nobody_said_is_refused():
    """Rewrites the bundled model wrote in the slow chat test (the invented date) and on the demo conversations."""
    said = Conversation("А когда он приедет в Россию с официальным визитом?", (Exchange(
        "Что Токаев сказал о границе с Россией?", "Кassym-Jomart Tokayev сказал, что между Казахстаном и Россией "
        "существует длинная граница, равная 7591 километру [1]."),))
    assert invents("Кассим-Jomart Tokayev приедет в Россию с официальным визитом в конце декабря.", said)
    assert invents("Когда Токаев приедет в Россию с официальным визитом 12 ноября?", said)  # a number
    assert not invents("Когда Токаев приедет в Россию с официальным визитом?", said)
    assert not invents("Когда Кассым-Жомарт Токаев приедет в Россию с официальным визитом?", said)  # transliterated
    trade = read_conversation([{"role": "user", "content": BORDER}, tokayev_answer(),
                               {"role": "user", "content": "And what did he say about trade last year?"}])
    assert not invents("What did Kassym-Jomart Tokayev say about trade last year?", trade)  # the cited speaker

