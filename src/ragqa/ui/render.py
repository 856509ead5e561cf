"""HTML for the chat UI: answers with linked citation markers, source cards and index stats.

Every piece of transcript or model text goes through `html.escape` here; nothing else in the UI
builds HTML from data.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..types import Answer, Citation, Hit
from .highlight import SupportWords, citing_sentences, supporting_spans

MARKER = re.compile(r"\[(\d{1,3})\]")


@dataclass(frozen=True)
class SourceGroup:
    """The rendered sources of one answer."""

    answer_id: str
    question: str
    cards: str  # HTML of the source cards
    count: int
    reading: bool = False  # the passages being read, before the answer cites some of them


def esc(text: str | None) -> str:
    """`text` made safe to put inside HTML (quotes too)."""
    return html.escape(text or "", quote=True)


def anchor(answer_id: str, n: int) -> str:
    return f"src-{answer_id}-{n}"


def searched_note(question: str, searched: str | None) -> str:
    """The "searched for: …" line under an answer whose question was rewritten to stand alone."""
    if not searched or searched.strip() == question.strip():
        return ""
    return f'<div class="searched-for">searched for: {esc(searched)}</div>'


def answer_html(text: str, answer_id: str, cited: Sequence[int] = ()) -> str:
    """The answer, escaped, with each `[n]` that has a source card turned into a link to it. Markers
    without a card (while streaming, or dropped by the citation check) are shown as plain badges."""
    linked = set(cited)
    out: list[str] = []
    last = 0
    for match in MARKER.finditer(text):
        out.append(esc(text[last:match.start()]))
        n = int(match.group(1))
        if n in linked:
            out.append(f'<a class="cite" href="#{anchor(answer_id, n)}" '
                       f'title="Show source {n}">[{n}]</a>')
        else:
            out.append(f'<span class="cite-pending">[{n}]</span>')
        last = match.end()
    out.append(esc(text[last:]))
    return "".join(out)


def format_time(seconds: float) -> str:
    """`83.5` -> `1:23`, `3723` -> `1:02:03`."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def turns_label(turns: Sequence[int], n_turns: int | None) -> str:
    """0-based turn indices shown 1-based: `turn 3 of 12`, `turns 3–4 of 12`."""
    if not turns:
        return ""
    first, last = min(turns) + 1, max(turns) + 1
    label = f"turn {first}" if first == last else f"turns {first}–{last}"
    return f"{label} of {n_turns}" if n_turns else label


def _strip_speaker(quote: str, speaker: str) -> str:
    """Plain-text chunks start with `Speaker: `; the card shows the speaker already."""
    prefix = f"{speaker}:"
    return quote[len(prefix):].lstrip() if speaker and quote.startswith(prefix) else quote


def highlighted(quote: str, words: SupportWords) -> str:
    """`quote` escaped, with the supporting words wrapped in <mark>."""
    out: list[str] = []
    last = 0
    for start, end in supporting_spans(quote, words):
        out.append(esc(quote[last:start]))
        out.append(f"<mark>{esc(quote[start:end])}</mark>")
        last = end
    out.append(esc(quote[last:]))
    return "".join(out)


def _safe_url(url: str | None) -> str | None:
    return url if url and re.match(r"https?://", url, re.IGNORECASE) else None


def _without_labels(text: str, speakers: Sequence[str]) -> str:
    """`text` without `Speaker:` labels (quoting answers name who spoke; the name is not evidence)."""
    for speaker in speakers:
        if speaker:
            text = text.replace(f"{speaker}:", " ")
    return text


def source_card(citation: Citation, answer_id: str, answer_text: str, n_turns: int | None,
                url: str | None = None, speakers: Sequence[str] = ()) -> str:
    """One cited passage: number, speaker, transcript title/date, turns and times, highlighted quote.
    Words of the quote shared with the answer sentences citing it are highlighted; `speakers` are
    labels to ignore in the answer."""
    words = SupportWords(citing_sentences(_without_labels(answer_text, speakers), citation.n))
    quote = _strip_speaker(citation.quote, citation.speaker)
    meta = [esc(turns_label(citation.turns, n_turns))]
    if citation.start is not None:
        span = format_time(citation.start)
        if citation.end is not None and int(citation.end) != int(citation.start):
            span += f"–{format_time(citation.end)}"
        meta.append(esc(span))
    title = esc((citation.title or citation.transcript_id).strip())
    safe_url = _safe_url(url)
    if safe_url:
        title = f'<a href="{esc(safe_url)}" target="_blank" rel="noopener noreferrer">{title}</a>'
    date = f'<span class="src-date">{esc(citation.date)}</span>' if citation.date else ""
    speaker = esc(citation.speaker) if citation.speaker else "<em>Narration</em>"
    return (
        f'<article class="src-card" id="{anchor(answer_id, citation.n)}">'
        f'<header><span class="src-n">{citation.n}</span>'
        f'<span class="src-speaker">{speaker}</span>'
        f'<span class="src-turns">{" · ".join(m for m in meta if m)}</span></header>'
        f'<div class="src-title">{title}{date}</div>'
        f'<div class="src-quote">{highlighted(quote, words)}</div>'
        f"</article>"
    )


def source_group(answer: Answer, answer_id: str, question: str, n_turns: Mapping[str, int],
                 urls: Mapping[str, str | None]) -> SourceGroup:
    """Cards for the passages `answer` cites (retrieved but uncited passages are not shown)."""
    speakers = sorted({c.speaker for c in answer.citations}, key=len, reverse=True)
    cards = "".join(source_card(c, answer_id, answer.text, n_turns.get(c.transcript_id),
                                urls.get(c.transcript_id), speakers) for c in answer.citations)
    return SourceGroup(answer_id=answer_id, question=question, cards=cards, count=len(answer.citations))


def retrieved_group(hits: Sequence[Hit], answer_id: str, question: str, n_turns: Mapping[str, int],
                    urls: Mapping[str, str | None]) -> SourceGroup:
    """Cards for the passages the answer is being written from, numbered as the model reads them,
    shown while it writes (the cited ones replace them when it is done)."""
    cards = "".join(
        source_card(h.cited_as(n), f"{answer_id}-read", "", n_turns.get(h.transcript_id),
                    urls.get(h.transcript_id))
        for n, h in enumerate(hits, start=1))
    return SourceGroup(answer_id=f"{answer_id}-read", question=question, cards=cards, count=len(hits),
                       reading=True)


def sources_panel(groups: Sequence[SourceGroup]) -> str:
    """The sources panel: the latest answer's cards open, earlier answers' folded below."""
    if not groups:
        return ('<div class="src-panel src-empty"><h3>Sources</h3>'
                "<p>Ask a question: the passages the answer cites appear here, with the speaker, "
                "the turn and the supporting words highlighted.</p></div>")
    parts = ['<div class="src-panel"><h3>Sources</h3>']
    for i, group in enumerate(reversed(groups)):
        body = group.cards or '<p class="src-none">No passage cited for this answer.</p>'
        noun = "passage" if group.reading else "source"
        count = f"{group.count} {noun}{'s' if group.count != 1 else ''}" + (" read" if group.reading else "")
        open_attr = " open" if i == 0 else ""
        kind = "src-group src-reading" if group.reading else "src-group"
        parts.append(f'<details class="{kind}" data-answer="{esc(group.answer_id)}"{open_attr}>'
                     f'<summary><span class="src-q">{esc(group.question)}</span>'
                     f'<span class="src-count">{count}</span></summary>{body}</details>')
    parts.append("</div>")
    return "".join(parts)


BRAND = ('<div id="brand"><h1>rag<span>qa</span></h1>'
         "<p>Ask questions of transcripts — every claim is cited to the speaker turn that said it.</p></div>")


def header_html(stats: Mapping[str, object], embedder: str, llm: str) -> str:
    """The page header: name, one-line pitch, and what the index holds."""
    items = [f"<b>{int(stats.get('transcripts', 0))}</b> transcripts",
             f"<b>{int(stats.get('turns', 0)):,}</b> turns",
             f"<b>{int(stats.get('chunks', 0)):,}</b> passages",
             f"embedder <b>{esc(embedder)}</b>",
             f"answers by <b>{esc(llm)}</b>"]
    stats_line = '<div class="stats">' + "<span>" + "</span><span>".join(items) + "</span></div>"
    return f'<div id="topbar">{BRAND}{stats_line}</div>'
