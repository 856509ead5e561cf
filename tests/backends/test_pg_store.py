"""What only the PostgreSQL store has: transactional commits under a crash, read replicas, server
errors with clear messages, SQL-side filtering that keeps k results (EXPLAIN: filtered queries use an
index). Real servers (see pg_server.py)."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psycopg
import pytest
import scipy.sparse as sp
from pgvector.psycopg import register_vector

import ragqa
from ragqa.backends.pg.connection import mask_url
from ragqa.backends.pg.schema import SCHEMA_VERSION
from ragqa.backends.pg.candidate_source import dense_plan, filtered_plan, lexical_plan, set_search_options
from ragqa.backends.postgres import PostgresBackend
from ragqa.changes import ChangePlan, PreparedBatch, empty_manifest
from ragqa.embedding import make_embedder
from ragqa.errors import IndexFormatError, RagqaError
from ragqa.lexical import B, K1, N_FEATURES
from ragqa.ranking.search import search
from ragqa.retrieval.candidates import ALL_ROWS_MAX
from ragqa.types import Filters
from ragqa.types import Chunk, Transcript, Turn

from store_support import store_settings
from pg_server import free_port, wait_replayed

pytestmark = pytest.mark.slow  # real indexes (e5-small) and real servers

DATA = Path(__file__).resolve().parent.parent / "data"
SEED = DATA / "samples" / "000_8668bff71fb91613.txt"
KREMLIN = DATA / "samples" / "kremlin_sample.jsonl"
KREMLIN_PAGE = DATA / "samples" / "kremlin_17162.json"  # one short page: a small add
TOKAYEV = "Kassym-Jomart Tokayev"


def _state(url: str, ns: str) -> tuple:
    """Generation, chunk rows and turn rows of the index in schema `ns`."""
    with psycopg.connect(url) as conn:
        return conn.execute(f'SELECT (SELECT generation FROM "{ns}".meta), (SELECT count(*) FROM "{ns}".chunks), '
                            f'(SELECT count(*) FROM "{ns}".turns)').fetchone()


@pytest.fixture(scope="module")
def primary_seed(pg_server, tmp_path_factory):
    settings = store_settings("postgres", pg_server.url)
    return ragqa.build_index([SEED], "unused", settings=settings)


def test_killed_writer_mid_commit_leaves_the_previous_generation(pg_server, primary_seed, tmp_path):
    settings, ns = primary_seed.settings, primary_seed.settings.postgres.namespace
    before = _state(pg_server.url, ns)
    env = {**os.environ, "RAGQA_STORE": "postgres", "RAGQA_POSTGRES__URL": pg_server.url,
           "RAGQA_POSTGRES__NAMESPACE": ns, "OMP_NUM_THREADS": "2"}
    with psycopg.connect(pg_server.url) as blocker:
        blocker.execute(f'LOCK TABLE "{ns}".turns IN SHARE MODE')  # the commit will stop at its turn rows
        child = subprocess.Popen([sys.executable, "-m", "ragqa.cli", "add", str(KREMLIN_PAGE), "--quiet"], env=env,
                                 cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 300
        with psycopg.connect(pg_server.url, autocommit=True) as watch:
            while True:  # until the child's transaction has deleted chunk rows and waits for the lock
                waiting = watch.execute("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                        "AND query LIKE 'DELETE FROM %%turns%%'").fetchall()
                if waiting:
                    break
                assert child.poll() is None, child.stderr.read().decode()
                assert time.monotonic() < deadline, "the writer never reached its commit"
                time.sleep(0.1)
            assert _state(pg_server.url, ns) == before  # its deletes are not visible to others
            child.send_signal(signal.SIGKILL)
            child.wait()
            blocker.rollback()
            while watch.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", waiting[0]).fetchone()[0]:
                time.sleep(0.1)  # the server notices the dead client and rolls its transaction back
    assert _state(pg_server.url, ns) == before
    reopened = ragqa.load_index("unused", settings=settings)
    assert reopened.stats()["generation"] == before[0] and reopened.search("7591 chilometri", k=1)[0].speaker == TOKAYEV
    assert reopened.backend.diagnose() == []


def test_failed_commit_rolls_back(pg_server, primary_seed):
    backend, settings = primary_seed.backend, primary_seed.settings
    before = _state(pg_server.url, settings.postgres.namespace)
    embedder = primary_seed.embedder
    seed_id = primary_seed.transcripts()[0].id
    turns = [Turn(index=0, speaker="X", text="parole nuove")]
    replacement = Transcript(id=seed_id, turns=turns, title="t", date="2025-10-10")
    chunk = Chunk(id=f"{seed_id}:0:0", transcript_id=seed_id, turns=(0,), speaker="X", text="parole nuove",
                  embed_text="parole nuove", lang="it")
    vectors = np.full((1, embedder.dim), np.nan, dtype=np.float32)  # pgvector refuses NaN: fails mid-way
    batch = PreparedBatch([chunk], vectors, sp.csr_matrix((1, N_FEATURES), dtype=np.float32))
    plan = ChangePlan(base=backend.committed(), incoming=[replacement], removed=[])
    with backend.write_lock(), pytest.raises(RagqaError, match="NaN.*rolled back") as failed:
        backend.commit(plan, batch, settings, embedder)
    assert settings.postgres.url.split("@")[1] in str(failed.value)
    assert _state(pg_server.url, settings.postgres.namespace) == before
    assert primary_seed.search("7591 chilometri", k=1)[0].speaker == TOKAYEV


def test_read_replica_serves_search_and_refuses_writes(pg_server, pg_replica, primary_seed):
    wait_replayed(pg_server, pg_replica)
    settings = primary_seed.settings.merged(postgres={**primary_seed.settings.postgres.model_dump(),
                                                      "url": pg_replica.url.replace("postgres@", "postgres:s3cret@")})
    replica = ragqa.load_index("unused", settings=settings)
    question = "How long is the border between Kazakhstan and Russia?"
    assert [h.chunk_id for h in replica.search(question, k=5)] == [h.chunk_id for h in primary_seed.search(question, k=5)]
    assert replica.ask(question).citations[0].speaker == TOKAYEV
    assert replica.turns(primary_seed.transcripts()[0].id) and replica.stats()["chunks"] == 14
    with pytest.raises(RagqaError, match="read-only") as refused:
        replica.add([KREMLIN])
    assert str(pg_replica.port) in str(refused.value) and "s3cret" not in str(refused.value)
    with pytest.raises(RagqaError, match="read-only"):
        ragqa.build_index([SEED], "unused", settings=settings)


def test_replica_follows_the_primary(pg_server, pg_replica):
    settings = store_settings("postgres", pg_server.url)
    primary = ragqa.build_index([SEED], "unused", settings=settings)
    wait_replayed(pg_server, pg_replica)
    replica = ragqa.load_index("unused", settings=settings.merged(
        postgres={**settings.postgres.model_dump(), "url": pg_replica.url}))
    primary.add([KREMLIN_PAGE])
    wait_replayed(pg_server, pg_replica)
    added = [t.id for t in primary.transcripts() if t.id != SEED.stem]
    assert replica.search("the", k=5, transcript=added[0])  # a search serves the newest generation
    assert replica.stats()["generation"] == primary.stats()["generation"]


def test_server_errors_name_the_server_without_its_password(pg_server):
    port = free_port()
    settings = store_settings("postgres", f"postgresql://ragqa:hunter2@127.0.0.1:{port}/db")
    with pytest.raises(RagqaError, match="cannot connect to PostgreSQL") as refused:
        ragqa.load_index("unused", settings=settings)
    assert f"127.0.0.1:{port}" in str(refused.value) and "hunter2" not in str(refused.value)
    with pytest.raises(IndexFormatError, match="no ragqa index in this schema"):
        ragqa.load_index("unused", settings=store_settings("postgres", pg_server.url))
    with pytest.raises(RagqaError, match="postgres.url"):
        ragqa.load_index("unused", settings=store_settings("postgres", None))
    assert mask_url("postgresql://u:p%40ss@h:5432/d") == "postgresql://u:***@h:5432/d"
    assert mask_url("host=h password='a b' user=u") == "host=h password=*** user=u"


def test_missing_extension_and_other_schema_version_are_refused(pg_server, primary_seed):
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS bare")
        conn.execute("CREATE DATABASE bare")
    bare = pg_server.url.rsplit("/", 1)[0] + "/bare"
    with pytest.raises(RagqaError, match="pgvector extension is not installed"):
        ragqa.load_index("unused", settings=store_settings("postgres", bare))
    ns = primary_seed.settings.postgres.namespace
    with psycopg.connect(pg_server.url) as conn:
        conn.execute(f'UPDATE "{ns}".meta SET schema_version = 99')
    try:
        with pytest.raises(IndexFormatError, match="schema version 99, written by a newer ragqa"):
            ragqa.load_index("unused", settings=primary_seed.settings)
        with pytest.raises(IndexFormatError, match="schema version 99"):  # a build does not touch it either
            ragqa.build_index([SEED], "unused", settings=primary_seed.settings)
    finally:
        with psycopg.connect(pg_server.url) as conn:
            conn.execute(f'UPDATE "{ns}".meta SET schema_version = {SCHEMA_VERSION}')


def test_tables_of_schema_1_are_upgraded_in_place_by_a_build(pg_server):
    """An index written before transcript_terms existed: readers refuse it and say how to upgrade; a build
    upgrades it in one transaction without re-embedding, to the same tables a fresh build writes."""
    settings = store_settings("postgres", pg_server.url)
    ns = settings.postgres.namespace
    ragqa.build_index([SEED, KREMLIN], "unused", settings=settings)
    with psycopg.connect(pg_server.url) as conn:
        fresh_terms = conn.execute(f'SELECT lexeme, transcript_id, n FROM "{ns}".transcript_terms ORDER BY 1, 2').fetchall()
        fresh_lengths = conn.execute(f'SELECT id, n_terms FROM "{ns}".transcripts ORDER BY 1').fetchall()
        conn.execute(f'DROP TABLE "{ns}".transcript_terms')
        conn.execute(f'ALTER TABLE "{ns}".transcripts DROP COLUMN n_terms')
        conn.execute(f'ALTER TABLE "{ns}".chunks DROP COLUMN ranker_vector')  # schema 3
        conn.execute(f'ALTER TABLE "{ns}".meta DROP COLUMN ranker_encoder')
        conn.execute(f'UPDATE "{ns}".meta SET schema_version = 1')
    with pytest.raises(IndexFormatError, match="schema version 1, written by an older ragqa.*ragqa build"):
        ragqa.load_index("unused", settings=settings)
    before = _state(pg_server.url, ns)
    index = ragqa.build_index([SEED, KREMLIN], "unused", settings=settings)
    assert index.last_report.chunks_embedded == 0 and index.last_report.added == []
    assert _state(pg_server.url, ns) == before  # same generation: nothing else changed
    with psycopg.connect(pg_server.url) as conn:
        assert conn.execute(f'SELECT schema_version FROM "{ns}".meta').fetchone()[0] == SCHEMA_VERSION
        assert conn.execute(f'SELECT lexeme, transcript_id, n FROM "{ns}".transcript_terms '
                            'ORDER BY 1, 2').fetchall() == fresh_terms
        assert conn.execute(f'SELECT id, n_terms FROM "{ns}".transcripts ORDER BY 1').fetchall() == fresh_lengths
    assert len(fresh_terms) > 1000 and all(n > 0 for _, n in fresh_lengths)
    assert index.search("Direct Investment Fund", k=3)[0].transcript_id.startswith("kremlin")
    assert index.backend.diagnose() == []
    assert index.stats()["ranker_encoder"] is None  # rows written before schema 3 have no ranker vectors...
    forced = ragqa.build_index([SEED, KREMLIN], "unused", settings=settings, force=True)
    assert forced.stats()["ranker_encoder"] == "minilm-qmsum"  # ... until they are embedded again


def test_ranker_vectors_are_stored_and_used_inside_a_transcript(pg_server, tmp_path):
    """The passage ranker's encoder vectors on PostgreSQL: one per English chunk (NULL for the Italian seed),
    the same as the folder store's, used by the learned ranker for English questions; an add without them
    leaves the index ranking without them (the ranker follows what the index stores, not the query-time setting)."""
    from ragqa.evaluation import evaluate, load_questions

    sample = DATA / "bench" / "qmsum-sample.jsonl"
    settings = store_settings("postgres", pg_server.url, embedder={"model": "use-m3"})
    ns = settings.postgres.namespace
    index = ragqa.build_index([sample, SEED], "unused", settings=settings)
    assert index.stats()["ranker_encoder"] == "minilm-qmsum"
    local = ragqa.build_index([sample, SEED], tmp_path / "local", settings=store_settings("faiss", None,
                                                                                          embedder={"model": "use-m3"}))
    with psycopg.connect(pg_server.url) as conn:
        register_vector(conn)
        rows = conn.execute(f'SELECT position, lang, ranker_vector FROM "{ns}".chunks ORDER BY position').fetchall()
    assert len(rows) == local.stats()["chunks"]
    assert all((v is None) == (lang == "it") for _, lang, v in rows) and any(lang == "it" for _, lang, _ in rows)
    english = [(i, v) for i, (_, lang, v) in enumerate(rows) if v is not None][:20]
    ours = np.array([np.asarray(v.to_numpy() if hasattr(v, "to_numpy") else v) for _, v in english])
    theirs = local.backend.snapshot.ranker_vectors.take(np.array([i for i, _ in english]))
    assert np.abs(ours - theirs).max() < 2e-3
    questions = load_questions(DATA / "bench" / "qmsum-sample-questions.jsonl")
    with_encoder = evaluate(index, questions, scope="oracle")
    index.add([DATA / "samples" / "kremlin_17162.json"])  # still with vectors: the encoder holds
    assert index.stats()["ranker_encoder"] == "minilm-qmsum"
    plain = ragqa.load_index("unused", settings=settings.merged(retrieval={"ranker_encoder": "none"}))
    plain.add([DATA / "samples" / "seed_excerpt.vtt"])
    assert plain.stats()["ranker_encoder"] is None
    without = evaluate(plain, questions, scope="oracle")  # the ranker follows the vectors the index holds
    assert with_encoder.ndcg10 != without.ndcg10 and with_encoder.mrr >= 0.8 and without.mrr >= 0.8


def test_query_adapter_scores_the_stored_vectors_on_postgres(qmsum_e5):
    """e5-small's query adapter on PostgreSQL: the adapted cosines come from the `vector` column and equal the
    folder store's for the same stored vectors, and the ranking inside a transcript uses them."""
    from ragqa.embedding.query_adapter import query_adapter_for
    from ragqa.evaluation import evaluate, load_questions

    local, index = qmsum_e5  # e5-small, the default embedder
    adapter = query_adapter_for(index.embedder.model_id)
    assert adapter is not None
    adapted = adapter.adapt(index.embedder.embed_queries(["What did the group decide about the remote's buttons?"])[0])
    with index.backend.candidates(Filters()) as source:
        positions = np.arange(source.size)
        ours = source.dense_scores(adapted, positions)
    theirs = local.backend.snapshot.vectors.scores(adapted, np.arange(len(positions)))
    assert len(positions) == local.stats()["chunks"] and np.abs(ours - theirs).max() < 1e-4
    questions = load_questions(DATA / "bench" / "qmsum-sample-questions.jsonl")
    assert evaluate(index, questions, scope="oracle").mrr >= 0.8


def test_diagnose_finds_missing_rows_and_a_build_repairs_them(pg_server):
    settings = store_settings("postgres", pg_server.url)
    index = ragqa.build_index([SEED], "unused", settings=settings)
    ns = settings.postgres.namespace
    assert index.backend.diagnose() == []
    with psycopg.connect(pg_server.url) as conn:
        conn.execute(f'DELETE FROM "{ns}".chunks WHERE position = (SELECT min(position) FROM "{ns}".chunks)')
    problems = index.backend.diagnose()
    assert any("13 chunk rows, the manifest says 14" in p for p in problems), problems
    repaired = ragqa.build_index([SEED], "unused", settings=settings)
    assert repaired.last_report.chunks_embedded == 14 and repaired.backend.diagnose() == []


# -- a bigger table (synthetic vectors, real SQL): filters past ALL_ROWS_MAX ----------------------------------
N_TRANSCRIPTS, PER_TRANSCRIPT = 30, 1_000
WORDS = ("energy border trade grain nuclear plant university railway gas oil budget tax school health road "
         "port bank wheat steel water").split() + [f"term{i}" for i in range(400)]  # a term is in ~2% of chunks


@pytest.fixture(scope="module")
def big(pg_server):
    """30,000 chunks in 30 transcripts (70% by speaker Alpha, dates 2020-01-01 + i days), random unit
    vectors: more than ALL_ROWS_MAX pass the speaker filter, so the HNSW path serves it."""
    settings = store_settings("postgres", pg_server.url).merged(
        postgres={"url": pg_server.url, "namespace": "big", "hnsw_m": 8, "hnsw_ef_construction": 32})
    embedder = make_embedder(settings)
    rng = np.random.default_rng(3)
    transcripts, chunks = [], []
    for t in range(N_TRANSCRIPTS):
        tid = f"T{t:02d}"
        speakers = np.where(rng.random(PER_TRANSCRIPT) < 0.7, "Alpha", "Beta")
        texts = [" ".join(rng.choice(WORDS, 8)) for _ in range(PER_TRANSCRIPT)]
        turns = [Turn(index=i, speaker=str(s), text=x) for i, (s, x) in enumerate(zip(speakers, texts))]
        transcripts.append(Transcript(id=tid, turns=turns, title=tid, date=f"2020-{1 + t // 28:02d}-{1 + t % 28:02d}"))
        chunks += [Chunk(id=f"{tid}:{i}:0", transcript_id=tid, turns=(i,), speaker=turn.speaker, text=turn.text,
                         embed_text=turn.text, lang="en") for i, turn in enumerate(turns)]
    vectors = rng.standard_normal((len(chunks), embedder.dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    backend = PostgresBackend.open(settings.postgres, create=True)
    plan = ChangePlan(base=empty_manifest(settings, embedder), incoming=transcripts, removed=[])
    with backend.write_lock():
        backend.commit(plan, PreparedBatch(chunks, vectors, sp.csr_matrix((len(chunks), N_FEATURES),
                                                                          dtype=np.float32)), settings, embedder)
    return backend, settings, embedder


def test_filtered_search_past_all_rows_keeps_k_results(big):
    backend, settings, embedder = big
    k = settings.retrieval.candidates  # as many as the candidate cut: a filter that drops rows shows here
    alpha = Filters(speaker="alpha")
    hits = search(backend, embedder, "energy and nuclear plant", k, alpha, settings.retrieval)
    assert len(hits) == k and {h.speaker for h in hits} == {"Alpha"}
    assert len(search(backend, embedder, "energy", k, Filters(date_from="2020-01-10"), settings.retrieval)) == k
    with psycopg.connect(settings.postgres.url) as conn:
        matching = conn.execute("SELECT count(*) FROM big.chunks WHERE speaker = 'Beta' AND transcript_id = 'T03'"
                                ).fetchone()[0]
    assert matching < k  # all of them, none dropped:
    assert len(search(backend, embedder, "gas", k, Filters(speaker="beta", transcript="t03"),
                      settings.retrieval)) == matching
    # with a narrow graph search (ef_search 100) the HNSW scan alone yields ~70 rows that pass the filter;
    # iterative scans go on through the graph until k rows pass
    qv = embedder.embed_queries(["energy and nuclear plant"])[0]
    assert _dense_rows(settings, qv, k, "off") < k and _dense_rows(settings, qv, k, "relaxed_order") == k


def _dense_rows(settings, qv: np.ndarray, k: int, iterative: str) -> int:
    query = ("SELECT position FROM big.chunks c WHERE c.speaker_key = 'alpha' ORDER BY c.vector <#> %s LIMIT %s")
    with psycopg.connect(settings.postgres.url) as conn:
        register_vector(conn)
        conn.execute("SELECT set_config('hnsw.ef_search', '100', true), set_config('hnsw.iterative_scan', %s, true)",
                     (iterative,))
        plan = _explained(conn, "EXPLAIN " + query, (qv, k))
        assert "chunks_vector" in plan, plan
        return len(conn.execute(query, (qv, k)).fetchall())


def _plan_text(settings, embedder, filters: Filters, all_rows: bool) -> str:
    """EXPLAIN of the candidate queries of a search: every row the filters pass, or the dense and lexical top-n."""
    qv = embedder.embed_queries(["energy border"])[0]
    plans = ([filtered_plan("big", filters, ALL_ROWS_MAX + 1)] if all_rows else
             [dense_plan("big", filters, qv, 300), lexical_plan("big", filters, "'energi' | 'border'", 600)])
    with psycopg.connect(settings.postgres.url) as conn:
        register_vector(conn)
        set_search_options(conn, settings.postgres, 300)
        return "\n".join(_explained(conn, b"EXPLAIN " + p.query.as_bytes(conn), p.params) for p in plans)


def _explained(conn: psycopg.Connection, query, params) -> str:
    """EXPLAIN output with vector literals shortened."""
    return "\n".join(re.sub(r"'\[[^]]*\]'", "'[...]'", r[0]) for r in conn.execute(query, params))


@pytest.mark.parametrize("filters,all_rows,index", [
    (Filters(speaker="alpha"), False, "chunks_vector"),
    (Filters(date_from="2020-01-10"), False, "chunks_vector"),
    (Filters(transcript="t03"), True, "chunks_transcript_key"),
    (Filters(speaker="beta", transcript="t03"), True, "chunks_"),
])
def test_filtered_queries_use_an_index(big, filters, all_rows, index):
    backend, settings, embedder = big
    text = _plan_text(settings, embedder, filters, all_rows)
    assert index in text and "Seq Scan on chunks" not in text, text
    assert ("chunks_tsv" in text) or all_rows, text  # the lexical side runs on the GIN index


def test_all_rows_threshold_matches_the_local_store(big):
    backend, settings, embedder = big
    assert ALL_ROWS_MAX < N_TRANSCRIPTS * PER_TRANSCRIPT * 0.7 and PER_TRANSCRIPT < ALL_ROWS_MAX
    hits = search(backend, embedder, "railway", 5000, Filters(transcript="T07"), settings.retrieval)
    assert len(hits) == PER_TRANSCRIPT  # a transcript filter scores every chunk of the transcript


def test_concurrent_writers_are_serialised(pg_server):
    settings = store_settings("postgres", pg_server.url)
    first = ragqa.build_index([SEED], "unused", settings=settings)
    second = ragqa.load_index("unused", settings=settings)
    sources = [DATA / "samples" / "kremlin_17162.json", DATA / "samples" / "seed_excerpt.vtt"]
    reports, errors = [], []

    def add(index: ragqa.Index, source: Path) -> None:
        try:
            reports.append(index.add([source]))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(index, source)) for index, source in zip((first, second), sources)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and all(r.chunks_embedded > 0 for r in reports)
    final = ragqa.load_index("unused", settings=settings)
    assert final.stats()["generation"] == 3  # the build, then one add after the other: neither lost
    assert len(final.transcripts()) == 3 and final.backend.diagnose() == []


def test_command_line_points_at_postgres_with_one_option(pg_server, primary_seed, tmp_path):
    """`--postgres URL` switches the CLI to the database: search answers from it, doctor names the server
    with the password masked, and no index folder is created."""
    ns = primary_seed.settings.postgres.namespace
    env = {**os.environ, "RAGQA_POSTGRES__NAMESPACE": ns, "OMP_NUM_THREADS": "2"}
    base = [sys.executable, "-m", "ragqa.cli"]
    found = subprocess.run([*base, "search", "Rosatom", "-k", "1", "--json", "--postgres", pg_server.url], env=env,
                           cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert found.returncode == 0, found.stderr
    assert '"speaker": "Kassym-Jomart Tokayev"' in found.stdout
    checked = subprocess.run([*base, "doctor", "--postgres", pg_server.url], env=env, cwd=tmp_path,
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{mask_url(pg_server.url)} (schema {ns}): ok" in checked.stdout
    assert not (tmp_path / "index").exists()


def test_chat_ui_serves_and_indexes_uploads_on_postgres(pg_server, tmp_path):
    """The UI on the database store: /ask answers with citations from PostgreSQL, and an upload through
    the service lands in the database and is searchable by the next question."""
    from gradio_client import Client

    from ragqa.ui.server import launch
    from ragqa.ui.service import ChatService

    index = ragqa.build_index([SEED], "unused", settings=store_settings("postgres", pg_server.url))
    service = ChatService(index)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    demo = launch(service, host="127.0.0.1", port=port, block=False)
    try:
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        result = client.predict(question="How long is the border between Kazakhstan and Russia?", api_name="/ask")
        assert any(c["speaker"] == TOKAYEV and "7591" in c["quote"] for c in result["citations"])
        uploaded = service.add_files([KREMLIN])
        assert uploaded.added and not uploaded.problems
        assert index.stats()["transcripts"] == 1 + len(uploaded.added)
        labels = " | ".join(label for label, _ in service.transcript_choices())
        assert all(title in labels for title in uploaded.added)
        (hit,) = index.search("Russian Direct Investment Fund", k=1)
        assert hit.title in uploaded.added
    finally:
        demo.close()


def test_lexical_scores_are_bm25_of_the_tsvector_counts(primary_seed):
    """BM25 of each chunk (k1 1.2, b 0.75) recomputed here from the lexeme counts of the tsvectors: N live chunks,
    df chunks holding a lexeme, a chunk's length the sum of its lexemes' counts; the term counts and idf the
    ranker reads are the same numbers."""
    ns = primary_seed.settings.postgres.namespace
    vectors: dict[int, dict[str, int]] = {}
    with psycopg.connect(primary_seed.settings.postgres.url) as conn:
        for position, lexeme, n in conn.execute(f'SELECT c.position, u.lexeme, array_length(u.positions, 1) '
                                                f'FROM "{ns}".chunks c, unnest(c.tsv) u').fetchall():
            vectors.setdefault(position, {})[lexeme] = n
    rows = np.array(sorted(vectors), dtype=np.int64)
    lengths = np.array([sum(vectors[r].values()) for r in rows], dtype=np.float64)
    with primary_seed.backend.candidates(Filters()) as source:
        query = source.lexical_query("confine Rosatom centrale nucleare cooperazione", "it")
        assert query.lexemes and source.size == len(rows)
        ours = source.lexical_scores(query, rows)
        terms = source.term_counts(query, rows)
        top = source.lexical_top(query, 3)
    expected = np.zeros(len(rows))
    for i, lexeme in enumerate(query.lexemes):
        tf = np.array([vectors[r].get(lexeme, 0) for r in rows], dtype=np.float64)
        df = np.count_nonzero(tf)
        idf = np.log(1 + (len(rows) - df + 0.5) / (df + 0.5))
        assert terms.idf[i] == pytest.approx(idf) and terms.counts[i].tolist() == tf.tolist()
        expected += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths / lengths.mean()))
    assert np.allclose(ours, expected) and expected.max() > 0
    assert sorted(top.tolist()) == sorted(rows[np.argsort(-expected, kind="stable")[:3]].tolist())

