"""The Gradio Blocks of the chat page and the `/ask` API endpoint."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import gradio as gr

from ..errors import RagqaError
from ..parsing import SUPPORTED_SUFFIXES
from .render import SourceGroup, answer_html, esc, header_html, searched_note, sources_panel
from .service import ChatService, llm_label

log = logging.getLogger(__name__)

ANY = ""  # dropdown value meaning "no restriction"
ANSWER_CONCURRENCY = 4  # questions answered at once; more wait in the queue (LLM calls are serialized anyway)
CHAT_PLACEHOLDER = ("**Ask anything about the transcripts.**<br>Answers cite the passages they rely on as "
                    "[1], [2]…; click a number to see its source.")
SEARCHING = '<span class="answer-note">Searching the transcripts…</span>'
WRITING = '<span class="answer-note">Reading the passages shown under Sources…</span>'
SUMMARIZING = '<span class="answer-note">Reading the whole transcript…</span>'


def _speaker_choices(service: ChatService) -> list[tuple[str, str]]:
    return [("Any speaker", ANY)] + [(s, s) for s in service.speakers()]


def _transcript_choices(service: ChatService) -> list[tuple[str, str]]:
    return [("All transcripts", ANY)] + service.transcript_choices()


def _date_fields(service: ChatService) -> tuple[dict[str, Any], dict[str, Any]]:
    """Visibility and placeholders (the known date span) of the From / To date fields."""
    known = service.date_range()
    if known is None:
        return {"visible": False}, {"visible": False}
    return {"visible": True, "placeholder": known[0]}, {"visible": True, "placeholder": known[1]}


def _header(service: ChatService) -> str:
    return header_html(service.stats(), service.embedder_label(), llm_label(service.index.settings.llm))


class Handlers:
    """What the page's events do; one instance serves every browser session."""

    def __init__(self, service: ChatService) -> None:
        self.service = service

    def respond(self, question: str, history: list[dict[str, Any]], groups: list[SourceGroup],
                conversation: list[dict[str, Any]], k: float, speaker: str, transcript: str, date_from: str,
                date_to: str, backend: str) -> Iterator[tuple[Any, ...]]:
        """Chat turn: yields (history, source groups, conversation, sources panel, question box) as the
        answer streams. The question is answered in the conversation so far (`Index.chat`); the
        passages being read are shown as soon as they are found."""
        history, groups, conversation = list(history or []), list(groups or []), list(conversation or [])
        question = (question or "").strip()
        if not question:
            yield history, groups, conversation, gr.skip(), gr.skip()
            return
        try:
            filters = self.service.filters(speaker, transcript, date_from, date_to)
        except RagqaError as exc:
            gr.Warning(str(exc))
            yield history, groups, conversation, gr.skip(), question
            return
        answer_id = self.service.new_answer_id()
        history += [{"role": "user", "content": esc(question)}, {"role": "assistant", "content": SEARCHING}]
        yield list(history), groups, conversation, gr.skip(), ""
        messages = conversation + [{"role": "user", "content": question}]
        run = partial(self.service.chat, messages, int(k), filters, backend=backend, stream=True)
        yield from self._stream_answer(run, question, answer_id, history, groups, conversation)

    def summarize(self, transcript: str, history: list[dict[str, Any]], groups: list[SourceGroup],
                  conversation: list[dict[str, Any]], backend: str,
                  progress: gr.Progress = gr.Progress()) -> Iterator[tuple[Any, ...]]:
        """The Summarize button: a cited summary of the transcript picked in the filter, streamed into
        the chat as a turn of the conversation."""
        history, groups, conversation = list(history or []), list(groups or []), list(conversation or [])
        if not transcript:
            gr.Warning("Pick a transcript in the filter first, then press Summarize.")
            yield history, groups, conversation, gr.skip(), gr.skip()
            return
        request = f"Summarize “{self.service.transcript_title(transcript)}”"
        answer_id = self.service.new_answer_id()
        history += [{"role": "user", "content": esc(request)}, {"role": "assistant", "content": SUMMARIZING}]
        yield list(history), groups, conversation, gr.skip(), gr.skip()

        def report(done: int, total: int) -> None:
            progress((done, total), desc="Reading the transcript", unit="stretches")

        run = partial(self.service.summarize, transcript, backend=backend, progress=report)
        yield from self._stream_answer(run, request, answer_id, history, groups, conversation)

    def _stream_answer(self, run: Callable[[], Any], question: str, answer_id: str,
                       history: list[dict[str, Any]], groups: list[SourceGroup],
                       conversation: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        """Show the passages being read, stream the answer, then the checked answer and its cited
        sources; the exchange joins the conversation (with its citations, for follow-ups)."""
        try:
            stream = run()
            searched = getattr(stream, "standalone_question", None)
            note = searched_note(question, searched)
            if stream.sources:
                panel = sources_panel(groups + [self.service.reading(stream.sources, answer_id, question)])
                history[-1] = {"role": "assistant", "content": WRITING + note}
                yield list(history), groups, conversation, panel, gr.skip()
            text = ""
            for piece in stream:
                text += piece
                history[-1] = {"role": "assistant", "content": answer_html(text, answer_id) + note}
                yield list(history), groups, conversation, gr.skip(), gr.skip()
            answer = stream.answer
        except Exception as exc:  # shown in the chat: an error must not leave it stuck on "Searching…"
            if isinstance(exc, RagqaError):
                message = str(exc)
            else:
                log.exception("answering %r failed", question)
                message = f"Something went wrong while answering ({type(exc).__name__}: {exc}). Please try again."
            history[-1] = {"role": "assistant", "content": f'<span class="answer-error">{esc(message)}</span>'}
            yield history, groups, conversation, sources_panel(groups), gr.skip()
            return
        groups.append(self.service.sources(answer, answer_id, question))
        cited = [c.n for c in answer.citations]
        history[-1] = {"role": "assistant", "content": answer_html(answer.text, answer_id, cited) + note}
        conversation += [{"role": "user", "content": question},
                         {"role": "assistant", "content": answer.text, **answer.to_dict()}]
        yield history, groups, conversation, sources_panel(groups), gr.skip()

    @staticmethod
    def clear() -> tuple[list, list, list, str]:
        """A new conversation: no messages, no sources."""
        return [], [], [], sources_panel([])

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Add uploaded files to the index; refresh the header, the filter choices and the date fields."""
        paths = [f if isinstance(f, str) else f.name for f in files or []]
        if not paths:
            return "Choose one or more files first.", gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), None
        progress(0, desc="Reading files")

        def report(done: int, total: int) -> None:
            progress((done, total), desc="Embedding passages", unit="passages")

        result = self.service.add_files(paths, report)
        if result.problems:
            gr.Warning(f"{len(result.problems)} file(s) could not be added; see the message under Add transcripts.")
        date_from_field, date_to_field = _date_fields(self.service)
        return (result.message(), _header(self.service), gr.update(choices=_speaker_choices(self.service)),
                gr.update(choices=_transcript_choices(self.service)), gr.update(**date_from_field),
                gr.update(**date_to_field), None)

    def api_ask(self, question: str, k: int | None = None, speaker: str | None = None,
                transcript: str | None = None, date_from: str | None = None,
                date_to: str | None = None) -> dict[str, Any]:
        """Answer `question` from the indexed transcripts: {"answer": text, "citations": [...]}
        (`Answer.to_dict()`); the filters are optional and exact."""
        if not (question or "").strip():
            raise gr.Error("question is empty")
        try:
            filters = self.service.filters(speaker, transcript, date_from, date_to)
            answer = self.service.ask(question.strip(), int(k) if k else None, filters)
        except RagqaError as exc:
            raise gr.Error(str(exc)) from exc
        return answer.to_dict()

    def api_chat(self, message: str, history: list[Any] | None = None, k: int | None = None,
                 speaker: str | None = None, transcript: str | None = None, date_from: str | None = None,
                 date_to: str | None = None) -> dict[str, Any]:
        """Answer `message` as the next turn of a conversation. `history` is the conversation so far,
        `[{"role": "user"|"assistant", "content": text}, ...]` (an assistant turn may keep the
        `citations` of its answer) or `[[user, assistant], ...]` pairs. Returns `Answer.to_dict()` with
        `standalone_question`, the question as it was searched."""
        if not (message or "").strip():
            raise gr.Error("message is empty")
        try:
            filters = self.service.filters(speaker, transcript, date_from, date_to)
            messages = list(history or []) + [{"role": "user", "content": message.strip()}]
            answer = self.service.chat(messages, int(k) if k else None, filters)
        except RagqaError as exc:
            raise gr.Error(str(exc)) from exc
        return answer.to_dict()


def build_app(service: ChatService) -> gr.Blocks:
    """The chat page over `service`: chat with streamed, cited answers; filters; settings; uploads."""
    handlers = Handlers(service)
    backends = service.backends()
    date_from_field, date_to_field = _date_fields(service)
    with gr.Blocks(title="ragqa — ask your transcripts", analytics_enabled=False) as demo:
        groups = gr.State([])
        conversation = gr.State([])  # the plain messages (with citations) that follow-ups are read in
        header = gr.HTML(_header(service), elem_id="header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=340):
                chatbot = gr.Chatbot(elem_id="chat", height=None, min_height=320, max_height=560,
                                     show_label=False, layout="bubble", placeholder=CHAT_PLACEHOLDER,
                                     buttons=[], feedback_options=None)  # a copy would be raw HTML
                question = gr.Textbox(elem_id="question", show_label=False, lines=1, max_lines=4,
                                      placeholder="Ask a question (in any language)",
                                      submit_btn="Ask", autofocus=True)
                new_chat = gr.Button("Clear — new conversation", elem_id="clear", size="sm", variant="secondary")
                with gr.Accordion("Filters", open=True, elem_id="filters"):
                    with gr.Row():
                        speaker = gr.Dropdown(_speaker_choices(service), value=ANY, label="Speaker",
                                              elem_id="speaker", min_width=200)
                        transcript = gr.Dropdown(_transcript_choices(service), value=ANY, label="Transcript",
                                                 elem_id="transcript", min_width=200)
                        summarize = gr.Button("Summarize", elem_id="summarize", size="sm", scale=0,
                                              min_width=110)
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", elem_id="date-from", min_width=150,
                                               **date_from_field)
                        date_to = gr.Textbox(label="To date", elem_id="date-to", min_width=150, **date_to_field)
                with gr.Accordion("Answer settings", open=False, elem_id="settings"):
                    k = gr.Slider(1, 20, value=service.default_k(), step=1, label="Passages to read (top-k)",
                                  info="More passages give the answer more to work with, but take longer.")
                    backend = gr.Radio(backends, value=backends[0][1], label="Answer writer", elem_id="backend",
                                       info="The answer is written in the language of your question.")
                with gr.Accordion("Add transcripts", open=False, elem_id="upload"):
                    files = gr.File(file_count="multiple", file_types=list(SUPPORTED_SUFFIXES),
                                    label="Transcript files: " + ", ".join(SUPPORTED_SUFFIXES), elem_id="files")
                    add = gr.Button("Add to index", variant="primary", elem_id="add-files")
                    upload_status = gr.Markdown(elem_id="upload-status")
            with gr.Column(scale=2, min_width=300, elem_id="sources-col"):
                sources = gr.HTML(sources_panel([]), elem_id="sources")

        chat_inputs = [question, chatbot, groups, conversation, k, speaker, transcript, date_from, date_to, backend]
        chat_outputs = [chatbot, groups, conversation, sources, question]
        question.submit(handlers.respond, chat_inputs, chat_outputs, concurrency_limit=ANSWER_CONCURRENCY,
                        concurrency_id="answers", api_visibility="private")
        summarize.click(handlers.summarize, [transcript, chatbot, groups, conversation, backend], chat_outputs,
                        concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answers", api_visibility="private")
        chatbot.clear(handlers.clear, None, [chatbot, groups, conversation, sources], api_visibility="private")
        new_chat.click(handlers.clear, None, [chatbot, groups, conversation, sources], api_visibility="private")
        add.click(handlers.upload, [files], [upload_status, header, speaker, transcript, date_from, date_to, files],
                  concurrency_limit=1, concurrency_id="index-writes", api_visibility="private")
        gr.api(handlers.api_ask, api_name="ask", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answers")
        gr.api(handlers.api_chat, api_name="chat", concurrency_limit=ANSWER_CONCURRENCY, concurrency_id="answers")
    return demo
