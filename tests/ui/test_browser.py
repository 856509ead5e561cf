"""Drives the real page in headless Chromium: ask, follow a citation, filter, upload, ask again.

Answers come from the real answering layer with the extractive `none` backend (no LLM download or
model run in CI; the LLM path is covered by the answering tests). Screenshots go to artifacts/ui/.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from ui_support import FERRY, SEED_QUESTION, TOKAYEV

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "ui"
ANSWER_TIMEOUT = 60_000  # ms
HOSTILE = """Evil Corp board meeting, 1 April 2024 <img src=x onerror="window.__pwned=1">.

Mallory Jones: The secret launch code is 4417 <script>window.__pwned=2</script> and it stays hidden.

Trent Miller: Noted <b onmouseover="window.__pwned=3">bold</b> and logged.
"""


@pytest.fixture(scope="module")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def ask(page, question: str) -> None:
    """Type a question, send it, and wait until the answer's cited sources are rendered (the passages
    being read are shown before, as a group of their own)."""
    done = "#sources details.src-group:not(.src-reading)"
    before = page.locator(done).count()
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[done, before],
                           timeout=ANSWER_TIMEOUT)


WATCH_ANSWERS = """() => {
  window.__answerStates = [];
  new MutationObserver(() => {
    const bots = document.querySelectorAll('#chat .message.bot');
    const text = bots.length ? bots[bots.length - 1].innerText.trim() : '';
    const states = window.__answerStates;
    if (text && states[states.length - 1] !== text) states.push(text);
  }).observe(document.querySelector('#chat'), {childList: true, subtree: true, characterData: true});
}"""


def latest_cards(page):
    return page.locator("#sources details.src-group[open] .src-card")


def choose(page, elem_id: str, option: str) -> None:
    """Pick an option of a Gradio dropdown."""
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()
    assert page.locator(f"#{elem_id} input").input_value() == option


def test_chat_page_end_to_end(served, browser, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(served)
    page.wait_for_selector("#question textarea")
    assert "2</b> transcripts" in page.inner_html("#header")

    # 1. a seed question: streamed answer with a linked [n], the card shows Tokayev's turn with 7591
    page.evaluate(WATCH_ANSWERS)
    ask(page, SEED_QUESTION)
    states = page.evaluate("window.__answerStates")
    assert "Searching the transcripts…" in states and "7591" in states[-1]  # the reply is updated in place
    answer = page.locator("#chat .message.bot").last
    card = latest_cards(page).filter(has_text="7591").first
    assert card.locator(".src-speaker").inner_text() == TOKAYEV
    assert any("7591" in mark for mark in card.locator(".src-quote mark").all_inner_texts())  # highlighted
    card_id = card.get_attribute("id")
    link = answer.locator(f'a.cite[href="#{card_id}"]')
    assert link.count() >= 1
    assert re.search(r"turns? \d+", card.locator(".src-turns").inner_text())
    assert "2025-10-10" in card.inner_text()
    link.first.click()
    page.wait_for_function("id => document.getElementById(id).classList.contains('flash')", arg=card_id)
    page.screenshot(path=str(ARTIFACTS / "answer_1280x800.png"))

    # 2. a follow-up is answered in the conversation; the searched question is shown under the answer
    ask(page, "What did Chemezov say about AvtoVAZ?")
    ask(page, "How many employees does it have now?")
    answer = page.locator("#chat .message.bot").last
    assert "66,000" in answer.inner_text()
    assert answer.locator(".searched-for").inner_text().startswith("searched for: How many employees does it")
    page.click("#clear")
    page.wait_for_function("() => document.querySelectorAll('#chat .message').length === 0")
    assert page.locator("#sources details.src-group").count() == 0

    # 3. Summarize the transcript picked in the filter: a cited summary streams into the chat
    page.locator("#transcript input").click()
    page.get_by_role("option").filter(has_text="Tokayev").first.click()
    done = "#sources details.src-group:not(.src-reading)"
    before = page.locator(done).count()
    page.click("#summarize")
    page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[done, before],
                           timeout=ANSWER_TIMEOUT)
    summary = page.locator("#chat .message.bot").last
    assert "Overview" in summary.inner_text() and summary.locator("a.cite").count() >= 1
    assert latest_cards(page).count() >= 1
    choose(page, "transcript", "All transcripts")

    # 4. a speaker filter restricts retrieval
    choose(page, "speaker", "Sergei Chemezov")
    ask(page, "How many employees does AvtoVAZ have now?")
    speakers = latest_cards(page).locator(".src-speaker").all_inner_texts()
    assert speakers and set(speakers) == {"Sergei Chemezov"}
    choose(page, "speaker", "Any speaker")

    # 5. upload: a good transcript, a hostile one and a broken one
    files = [tmp_path / "ferry.txt", tmp_path / "evil.txt", tmp_path / "broken.json"]
    for path, text in zip(files, [FERRY, HOSTILE, "{not json"]):
        path.write_text(text, encoding="utf-8")
    page.click("#upload button.label-wrap")
    page.locator("#files input[type=file]").set_input_files([str(p) for p in files])
    page.click("#add-files")
    status = page.locator("#upload-status")
    status.filter(has_text="Added 2").wait_for(timeout=ANSWER_TIMEOUT)
    assert "broken.json" in status.inner_text() and "invalid JSON" in status.inner_text()
    assert "4</b> transcripts" in page.inner_html("#header")
    choose(page, "speaker", "Maria Santos")  # the new speaker is offered
    choose(page, "speaker", "Any speaker")

    # 6. ask about the uploaded transcript
    ask(page, "How many passengers a day are expected in the first year?")
    cards = latest_cards(page)
    assert "Maria Santos" in cards.locator(".src-speaker").all_inner_texts()
    assert any("9,300" in text for text in cards.locator(".src-quote").all_inner_texts())

    # 7. hostile transcript text is shown as text, never run
    ask(page, "What is the secret launch code?")
    quotes = " ".join(latest_cards(page).locator(".src-quote").all_inner_texts())
    assert "<script>window.__pwned=2</script>" in quotes
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("#sources script, #chat script, #sources img, #header img").count() == 0

    # 8. narrow window: everything still reachable in one column
    for close in page.locator("button.toast-close").all():  # the upload warning, if still shown
        close.click()
    page.set_viewport_size({"width": 400, "height": 800})
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "narrow_400.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways at 400px ({width}px wide)"
    page.close()
