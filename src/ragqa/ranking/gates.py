"""Which signals apply to a question and its candidates: BM25 only in the question's language (the language
gate), and the English-trained ranker encoder and query adapter only for English questions and talk."""
from __future__ import annotations

import numpy as np

from ..embedding import Embedder
from ..embedding.query_adapter import QueryAdapter, query_adapter_for
from ..embedding.ranker_encoder import applies_to
from ..settings import RetrievalSettings


def language_ok(langs: np.ndarray, lang: str | None) -> np.ndarray:
    """Chunks whose language is the question's `lang` (or unknown, or the question's is): BM25 counts there."""
    return np.ones(len(langs), dtype=bool) if lang is None else np.array([lg in (None, lang) for lg in langs],
                                                                         dtype=bool)


def encoder_language_ok(langs: np.ndarray) -> np.ndarray:
    """Chunks in the ranker encoder's language (or of unknown language): its cosine means something there."""
    return np.fromiter((applies_to(lg) for lg in langs), dtype=bool, count=len(langs))


def wants_english_signal(lang: str | None, langs: np.ndarray, one_transcript: bool, learned: bool,
                         in_fusion: bool) -> bool:
    """Whether ranking will use a signal trained on English questions and talk for candidates of languages
    `langs`: the question is English, and the learned ranker (`learned`) inside a transcript (`one_transcript`)
    has an English chunk, or the fusion uses the signal (`in_fusion`) and every candidate is English. Else the
    question is not encoded for it."""
    if not applies_to(lang):
        return False
    ok = encoder_language_ok(langs)
    if one_transcript and learned and ok.any():
        return True
    return in_fusion and bool(ok.all())


def wants_encoder(stored: str | None, lang: str | None, langs: np.ndarray, one_transcript: bool,
                  settings: RetrievalSettings) -> bool:
    """Whether ranking will use the cosines of the ranker encoder whose vectors the store keeps (`stored`): the
    learned ranker inside a transcript and the fusion across transcripts both do (`wants_english_signal`)."""
    return stored is not None and wants_english_signal(lang, langs, one_transcript, settings.ranker == "learned",
                                                       in_fusion=True)


def adapter_for(embedder: Embedder) -> QueryAdapter | None:
    """The bundled query adapter of the index's embedder, if it has one (e5-small has one)."""
    return query_adapter_for(embedder.model_id)


def wants_adapter(adapter: QueryAdapter | None, lang: str | None, langs: np.ndarray, one_transcript: bool,
                  with_encoder: bool, settings: RetrievalSettings) -> bool:
    """Whether the learned ranker will use the query adapter's cosines: inside a transcript, next to the ranker
    encoder's (`with_encoder`), for an English question with some English chunk."""
    return adapter is not None and wants_english_signal(lang, langs, one_transcript and with_encoder,
                                                        settings.ranker == "learned", in_fusion=False)


def named_speaker_mask(named: tuple[str, ...], speakers: list[str]) -> np.ndarray:
    """1.0 for chunks of a speaker the question names (`named`: "What did the Marketing expert say..."), else 0."""
    return np.fromiter((s in named for s in speakers), dtype=float, count=len(speakers))
