"""Concurrency: many searches and asks on one loaded index (threads) return exactly what they return
alone; an add while queries run (same index, another Index object, another process) never shows a
half-updated index; two `ragqa add` processes at once both land; the HTTP API answers concurrent
questions correctly."""
from __future__ import annotations

import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from reliability_support import (LIBRARY_V2, QUERIES, TRANSCRIPTS, child_env, cli_command, copy_index, fingerprint,
                                 hit_keys, transcript_hashes, write_transcripts)

import ragqa
from ragqa.settings import Settings

MORE_QUERIES = (*QUERIES, "reading room opening hours", "ferry terminal school bus", "grant euros",
                "How many passengers a day?", "Lessons start time", "Cacilhas")
QUESTIONS = ("When does the new ferry line start?", "Who pays for the extra staff hours?",
             "How many passengers are expected each day?", "Until when is the reading room open?")


def extractive() -> Settings:
    return Settings().merged(llm={"backend": "none"})


def answer_keys(answer: ragqa.Answer) -> tuple:
    return answer.text, answer.refused, [(c.n, c.transcript_id, tuple(c.turns), c.quote) for c in answer.citations]


@pytest.fixture
def index_dir(base_index, tmp_path) -> Path:
    return copy_index(base_index, tmp_path / "index")


@pytest.fixture(scope="module")
def update(base_index, tmp_path_factory) -> tuple[list[Path], list[list[tuple]]]:
    """An add (library v2 + school) and what the index answers to MORE_QUERIES after it."""
    tmp = tmp_path_factory.mktemp("update")
    sources = write_transcripts(tmp / "src", {"library": LIBRARY_V2, "school": TRANSCRIPTS["school"]})
    reference = copy_index(base_index, tmp / "reference")
    ragqa.load_index(reference).add(sources)
    return sources, fingerprint(reference, MORE_QUERIES)


def test_50_searches_and_10_asks_at_once_match_their_serial_results(index_dir):
    index = ragqa.load_index(index_dir, settings=extractive())
    expected_hits = {q: hit_keys(index.search(q, k=5)) for q in MORE_QUERIES}
    expected_answers = {q: answer_keys(index.ask(q)) for q in QUESTIONS}
    assert all(expected_hits.values()) and not all(a[1] for a in expected_answers.values())
    jobs = [("search", MORE_QUERIES[i % len(MORE_QUERIES)]) for i in range(50)]
    jobs += [("ask", QUESTIONS[i % len(QUESTIONS)]) for i in range(10)]
    start = threading.Barrier(20)  # 60 jobs on 20 threads: three waves of 20 that start together

    def run(job: tuple[str, str]) -> tuple:
        kind, text = job
        try:
            start.wait(timeout=10)
        except threading.BrokenBarrierError:  # a slow wave: run anyway
            pass
        return hit_keys(index.search(text, k=5)) if kind == "search" else answer_keys(index.ask(text))

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(run, jobs))
    for (kind, text), result in zip(jobs, results):
        assert result == (expected_hits[text] if kind == "search" else expected_answers[text]), (kind, text)


def _read_while(write: threading.Thread, read) -> list:
    """Call `read()` from 4 threads until `write` is done (and a little after); all results."""
    results: list = []
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            results.append(read())

    readers = [threading.Thread(target=loop) for _ in range(4)]
    for t in readers:
        t.start()
    write.start()
    write.join()
    time.sleep(0.5)
    stop.set()
    for t in readers:
        t.join()
    return results


def test_add_on_the_same_index_while_it_is_searched(index_dir, update):
    """Readers of the Index being written see the whole old or the whole new index, per query."""
    sources, after = update
    index = ragqa.load_index(index_dir)
    before = [hit_keys(index.search(q, k=5)) for q in MORE_QUERIES]
    changed = [i for i, (b, a) in enumerate(zip(before, after)) if b != a]
    assert len(changed) >= 3

    def read() -> list[list[tuple]]:
        return [hit_keys(index.search(q, k=5)) for q in MORE_QUERIES]

    results = _read_while(threading.Thread(target=index.add, args=(sources,)), read)
    assert read() == after  # a read that starts after the add sees it (a slow read begun before may end last)
    for result in results:
        for i, hits in enumerate(result):
            assert hits in (before[i], after[i]), f"query {MORE_QUERIES[i]!r} saw a mix of old and new"
    assert any(r[changed[0]] == before[changed[0]] for r in results), "no read overlapped the add"
    print(f"add on the searched Index: {len(results)} rounds of {len(MORE_QUERIES)} searches, none mixed")


@pytest.mark.slow
def test_loading_while_another_writer_commits_sees_a_whole_generation(index_dir, tmp_path):
    """What another process does: open the index while a writer keeps replacing a transcript (each
    commit deletes the segment that held its old version). Every load sees one whole generation."""
    v1 = write_transcripts(tmp_path / "v1", {"library": TRANSCRIPTS["library"]})
    v2 = write_transcripts(tmp_path / "v2", {"library": LIBRARY_V2})
    writer = ragqa.load_index(index_dir)

    def read() -> object:
        try:
            index = ragqa.load_index(index_dir)
            hashes = sorted((tid, r.content_hash) for tid, r in index.manifest.transcripts.items())
            return hashes, hit_keys(index.search(QUERIES[1], k=3))
        except Exception as exc:  # counted and shown below
            return exc

    states = [read()]
    writer.add(v2)
    states.append(read())
    assert states[0] != states[1]

    def write() -> None:
        for _ in range(6):
            writer.add(v1)
            writer.add(v2)

    results = _read_while(threading.Thread(target=write), read)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, f"{len(errors)} of {len(results)} loads failed during 12 commits: {errors[0]!r}"
    assert all(r in states for r in results) and len(results) >= 20, len(results)
    print(f"loads during 12 commits of another writer: {len(results)}, each one whole generation")


def test_a_loaded_index_keeps_answering_after_another_process_replaced_its_segments(index_dir, update):
    """A long-running reader (the chat server) while `ragqa add` replaces a transcript in another
    process: its searches keep working (on its snapshot) and so does reading a transcript's turns."""
    sources, _ = update
    server_view = ragqa.load_index(index_dir)
    before = [hit_keys(server_view.search(q, k=5)) for q in MORE_QUERIES]
    done = subprocess.run(cli_command(["add", *sources, "--index", index_dir, "--quiet"]), env=child_env(),
                          cwd=index_dir.parent, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert [hit_keys(server_view.search(q, k=5)) for q in MORE_QUERIES] == before
    turns = server_view.turns("library")
    assert [t.speaker for t in turns] == ["", "Ana Costa", "Rui Lopes", "Ana Costa"]


def test_two_add_processes_at_once_both_land(index_dir, tmp_path):
    """Two `ragqa add` processes started together on one index: the write lock orders them, and the
    second re-reads the manifest the first committed, so nothing is lost."""
    museum = write_transcripts(tmp_path / "a", {"museum": TRANSCRIPTS["museum"]})
    school = write_transcripts(tmp_path / "b", {"school": TRANSCRIPTS["school"]})
    procs = [subprocess.Popen(cli_command(["add", *src, "--index", index_dir, "--quiet"]), env=child_env(),
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for src in (museum, school)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0 and "Traceback" not in err, err
        assert out.startswith("added 1, unchanged 0")
    assert sorted(transcript_hashes(index_dir)) == ["harbour", "library", "museum", "school"]
    index = ragqa.load_index(index_dir)
    assert index.search("autumn exhibition of river maps", k=1)[0].transcript_id == "museum"
    assert index.search("school bus route", k=1)[0].transcript_id == "school"


@pytest.mark.slow
def test_http_api_answers_concurrent_questions(index_dir):
    """The chat app's `/ask` API on 127.0.0.1, asked 10 questions at once by gradio_client."""
    gradio_client = pytest.importorskip("gradio_client")
    from ragqa.ui.server import launch
    from ragqa.ui.service import ChatService

    index = ragqa.load_index(index_dir, settings=extractive())
    expected = {q: index.ask(q).to_dict() for q in QUESTIONS}
    port = _free_port()
    demo = launch(ChatService(index), host="127.0.0.1", port=port, block=False)
    try:
        client = gradio_client.Client(f"http://127.0.0.1:{port}/", verbose=False)
        jobs = [client.submit(QUESTIONS[i % len(QUESTIONS)], api_name="/ask") for i in range(10)]
        for i, job in enumerate(jobs):
            assert job.result(timeout=300) == expected[QUESTIONS[i % len(QUESTIONS)]]
    finally:
        demo.close()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
