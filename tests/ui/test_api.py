"""The `/ask` endpoint through gradio_client, alone and under concurrent load."""
from __future__ import annotations

import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client
from ui_support import SEED_QUESTION, TOKAYEV, free_port

from ragqa.errors import RagqaError
from ragqa.ui.server import launch, parse_auth
from ragqa.ui.service import ChatService


def test_ask_endpoint_returns_answer_with_citations(served):
    client = Client(served, verbose=False)
    result = client.predict(question=SEED_QUESTION, api_name="/ask")
    assert set(result) == {"answer", "citations"}
    cited = {c["n"]: c for c in result["citations"]}
    assert cited and all(f"[{n}]" in result["answer"] for n in cited)
    border = [c for c in cited.values() if "7591" in c["quote"]]
    assert border and border[0]["speaker"] == TOKAYEV
    assert border[0]["transcript_id"] == "000_8668bff71fb91613" and border[0]["date"] == "2025-10-10"


def test_ask_endpoint_applies_filters(served):
    client = Client(served, verbose=False)
    result = client.predict(question="How many employees does AvtoVAZ have now?", k=3,
                            speaker="Sergei Chemezov", api_name="/ask")
    assert result["citations"] and {c["speaker"] for c in result["citations"]} == {"Sergei Chemezov"}
    nothing = client.predict(question=SEED_QUESTION, date_from="2030-01-01", api_name="/ask")
    assert nothing["citations"] == []
    with pytest.raises(Exception, match="not a date"):
        client.predict(question=SEED_QUESTION, date_to="yesterday", api_name="/ask")


def test_chat_endpoint_answers_a_follow_up_in_its_history(served):
    client = Client(served, verbose=False)
    first = client.predict(message="What did Chemezov say about AvtoVAZ?", api_name="/chat")
    history = [{"role": "user", "content": "What did Chemezov say about AvtoVAZ?"},
               {"role": "assistant", "content": first["answer"], "citations": first["citations"]}]
    result = client.predict(message="How many employees does it have now?", history=history, api_name="/chat")
    assert result["standalone_question"].startswith("How many employees does it have now")
    assert result["standalone_question"] != "How many employees does it have now?"
    assert "66,000" in result["answer"]
    assert {c["transcript_id"] for c in result["citations"]} == {c["transcript_id"] for c in first["citations"]}


def test_concurrent_questions_all_get_answers(served):
    questions = [SEED_QUESTION, "How many employees does AvtoVAZ have now?"] * 3

    def ask(question: str) -> dict:
        return Client(served, verbose=False).predict(question=question, api_name="/ask")

    with ThreadPoolExecutor(max_workers=len(questions)) as pool:
        results = list(pool.map(ask, questions))
    assert all(r["citations"] for r in results)
    assert results[0] == results[2] == results[4]  # same question, same answer under load


def test_auth_option_is_user_colon_password():
    assert parse_auth("ann:s3cret:x") == ("ann", "s3cret:x")
    assert parse_auth(None) is None
    for bad in ("ann", ":pw", "ann:"):
        with pytest.raises(RagqaError, match="user:password"):
            parse_auth(bad)


def test_auth_protects_page_and_api(index):
    port = free_port()
    demo = launch(ChatService(index), port=port, auth="ann:s3cret", block=False)
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url + "config", timeout=10)
        assert refused.value.code == 401
        with pytest.raises(Exception):
            Client(url, auth=("ann", "wrong"), verbose=False)
        endpoints = Client(url, auth=("ann", "s3cret"), verbose=False).view_api(print_info=False, return_format="dict")
        assert "/ask" in endpoints["named_endpoints"]
    finally:
        demo.close()
