"""Which signals apply to a question and its candidates: BM25 only in the question's language (the language
gate), and the English-trained ranker encoder and query adapter only for English questions and talk."""
from __future__ import annotations

import numpy as np

from ..embedding import Embedder
from ..embedding.query_adapter import QueryAdapter, query_adapter_for
from ..embedding.ranker_encoder import applies_to
from ..language import query_language
from ..query_analysis import speakers_named
from ..settings import RetrievalSettings


def language_ok(langs: np.ndarray, query: str) -> np.ndarray:
    """Chunks whose language is the question's (or unknown, or the question's is): BM25 counts there."""
    lang = query_language(query)
    return np.ones(len(langs), dtype=bool) if lang is None else np.array([lg in (None, lang) for lg in langs],
                                                                         dtype=bool)


def encoder_language_ok(langs: np.ndarray) -> np.ndarray:
    """Chunks in the ranker encoder's language (or of unknown language): its cosine means something there."""
    return np.fromiter((applies_to(lg) for lg in langs), dtype=bool, count=len(langs))


def wants_english_signal(query: str, langs: np.ndarray, one_transcript: bool, fusion_weight: float,
                         settings: RetrievalSettings) -> bool:
    """Whether `rank_candidates` will use a signal trained on English questions and talk (the ranker encoder's
    or the query adapter's cosines) for candidates of languages `langs`: the question is English, and the
    learned ranker inside a transcript (`one_transcript`) has an English chunk, or the fusion gives the signal
    `fusion_weight` and every candidate is English. Else the question is not encoded for it."""
    if not applies_to(query_language(query)):
        return False
    ok = encoder_language_ok(langs)
    if one_transcript and settings.ranker == "learned" and ok.any():
        return True
    return bool(fusion_weight) and bool(ok.all())


def wants_encoder(stored: str | None, query: str, langs: np.ndarray, one_transcript: bool,
                  settings: RetrievalSettings) -> bool:
    """Whether ranking will use the cosines of the ranker encoder whose vectors the index stores (`stored`):
    the settings name it and `wants_english_signal` holds for its fusion weight."""
    return (stored is not None and settings.ranker_encoder == stored
            and wants_english_signal(query, langs, one_transcript, settings.encoder_weight, settings))


def adapter_for(embedder: Embedder, settings: RetrievalSettings) -> QueryAdapter | None:
    """The bundled query adapter of the index's embedder when the settings use one (e5-small has one)."""
    return query_adapter_for(embedder.model_id) if settings.query_adapter else None


def wants_adapter(adapter: QueryAdapter | None, query: str, langs: np.ndarray, one_transcript: bool,
                  with_encoder: bool, settings: RetrievalSettings) -> bool:
    """Whether ranking will use the query adapter's cosines: `wants_english_signal` for its fusion weight, where
    inside a transcript the learned ranker weighs them only next to the ranker encoder's (`with_encoder`)."""
    return adapter is not None and wants_english_signal(query, langs, one_transcript and with_encoder,
                                                        settings.adapter_weight, settings)


def named_speaker_mask(query: str, speakers: list[str]) -> np.ndarray:
    """1.0 for chunks of a speaker the question names ("What did the Marketing expert say..."), else 0."""
    named = speakers_named(query, sorted(set(speakers)))
    return np.fromiter((s in named for s in speakers), dtype=float, count=len(speakers))
