"""Turns -> chunks. The turn stays the unit of citation: a chunk never mixes two substantive turns.

Rules (measured in docs/quality.md):
- a turn of at least `min_words` words is an anchor and starts a chunk;
- a longer turn than `max_words` is split at sentence bounds into several chunks of that turn;
- a shorter turn ("Yeah .") rides along with the chunk before it (it is covered, and cited, with it);
- the embedded text carries `context_turns` neighbouring turns on each side, speaker-tagged, so that
  "it" and "that" find their referent; the cited text is the chunk's own turns only.
"""
from __future__ import annotations

from .language import detect_language
from .lexical import strip_markup
from .sentences import split_sentences
from .settings import ChunkSettings
from .types import NARRATION, Chunk, Transcript, Turn


def _words(text: str) -> int:
    return len(text.split())


def split_sentences_to_pieces(text: str, max_words: int) -> list[str]:
    """Split `text` at sentence bounds into pieces of at most ~max_words words (a single longer
    sentence is cut at word bounds)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in split_sentences(text):
        words = sentence.split()
        while len(words) > max_words:  # an overlong sentence: hard cut
            if current:
                pieces.append(" ".join(current))
                current, size = [], 0
            pieces.append(" ".join(words[:max_words]))
            words = words[max_words:]
        if size + len(words) > max_words and current:
            pieces.append(" ".join(current))
            current, size = [], 0
        current.extend(words)
        size += len(words)
    if current:
        pieces.append(" ".join(current))
    return pieces


def _label(turn: Turn) -> str:
    return f"{turn.speaker}: " if turn.speaker != NARRATION else ""


def _tagged(turn: Turn, text: str | None = None) -> str:
    return _label(turn) + (turn.text if text is None else text).strip()


def chunk_transcript(transcript: Transcript, settings: ChunkSettings) -> list[Chunk]:
    """Chunks of one transcript, in turn order, with stable ids `<transcript>:<turn>:<piece>`."""
    turns = [t for t in transcript.turns if t.text.strip()]
    lang = detect_language(" ".join(t.text for t in turns[:40])[:3000])
    groups: list[list[Turn]] = []  # anchor turn followed by the short turns riding along
    for turn in turns:
        if groups and _words(turn.text) < settings.min_words:
            groups[-1].append(turn)
        else:
            groups.append([turn])
    chunks: list[Chunk] = []
    for g, group in enumerate(groups):
        anchor = group[0]
        riders = group[1:]
        before = [t for prev in groups[max(0, g - settings.context_turns):g] for t in prev[:1]]
        after = [nxt[0] for nxt in groups[g + 1:g + 1 + settings.context_turns]]
        pieces = split_sentences_to_pieces(anchor.text, settings.max_words) or [anchor.text.strip()]
        for p, piece in enumerate(pieces):
            last = p == len(pieces) - 1
            own = [anchor] + (riders if last else [])
            lines = [_tagged(anchor, piece)] + [_tagged(t) for t in (riders if last else [])]
            text = "\n".join(lines)
            context_before = [_tagged(t) for t in before] if p == 0 else []
            context_after = [_tagged(t) for t in after] if last else []
            embed_text = "\n".join(_truncate(c) for c in context_before) + ("\n" if context_before else "")
            embed_text += text + ("\n" if context_after else "") + "\n".join(_truncate(c) for c in context_after)
            embed_text = strip_markup(embed_text)
            starts = [t.start for t in own if t.start is not None]
            ends = [t.end for t in own if t.end is not None]
            chunks.append(Chunk(
                id=f"{transcript.id}:{anchor.index}:{p}",
                transcript_id=transcript.id,
                turns=tuple(t.index for t in own),
                speaker=anchor.speaker,
                text=text,
                embed_text=embed_text,
                start=min(starts) if starts else None,
                end=max(ends) if ends else None,
                lang=lang,
            ))
    return chunks


def _truncate(text: str, max_words: int = 40) -> str:
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words]) + " …"
