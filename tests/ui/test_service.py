from pathlib import Path

import pytest
from ui_support import FERRY, TOKAYEV

from ragqa.errors import RagqaError
from ragqa.settings import LLMSettings
from ragqa.ui.service import ChatService, llm_label



def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_filter_choices_come_from_the_index(index):
    service = ChatService(index)
    assert TOKAYEV in service.speakers()
    labels = [label for label, _ in service.transcript_choices()]
    assert labels[0].startswith("2025-10-10 · ") and labels[1].startswith("2012-12-18 · ")
    assert service.date_range() == ("2012-12-18", "2025-10-10")


def test_filters_are_validated(index):
    service = ChatService(index)
    assert not service.filters("", "", " ", "").active()
    assert service.filters(TOKAYEV, "", "2020", "2025-12").date_to == "2025-12"
    with pytest.raises(RagqaError, match="not a date"):
        service.filters("", "", "10/10/2025", "")
    with pytest.raises(RagqaError, match="after"):
        service.filters("", "", "2025-01-01", "2024-01-01")


def test_backends_offer_extractive_answers_next_to_the_configured_llm(index):
    assert ChatService(index).backends() == [("Extractive — quotes only, no LLM", "none")]
    index.settings = index.settings.merged(llm={"backend": "llamacpp"})
    assert [b for _, b in ChatService(index).backends()] == ["llamacpp", "none"]
    assert llm_label(LLMSettings()) == "Qwen2.5 1.5B (local)"
    assert llm_label(LLMSettings(backend="ollama", model="llama3")) == "Ollama: llama3"


def test_upload_adds_a_transcript_and_reports_bad_files_by_name(index, tmp_path):
    service = ChatService(index)
    upload_dir = tmp_path / "gradio-tmp-3f9a"
    upload_dir.mkdir()
    good = write(upload_dir / "ferry.txt", FERRY)
    bad = write(upload_dir / "broken.json", "{not json")
    empty = write(upload_dir / "empty.vtt", "")
    other = write(upload_dir / "slides.pdf", "%PDF-1.4")
    progress: list[tuple[int, int]] = []

    result = service.add_files([good, bad, empty, other], progress=lambda d, t: progress.append((d, t)))

    assert result.added == ["Harbour committee meeting on the new ferry line"]
    assert len(result.problems) == 3
    assert all(str(upload_dir) not in p for p in result.problems)  # temp paths are not shown
    assert any(p.startswith("broken.json") and "invalid JSON" in p for p in result.problems)
    assert any(p.startswith("empty.vtt") and "empty" in p for p in result.problems)
    assert any(p.startswith("slides.pdf") and "unsupported" in p for p in result.problems)
    assert progress and progress[-1][0] == progress[-1][1]
    assert index.stats()["transcripts"] == 3
    assert "Maria Santos" in service.speakers()
    hits = index.search("How many ferry passengers a day?", k=3, speaker="Maria Santos")
    assert hits and "9,300" in hits[0].text
    message = result.message()
    assert "Added 1" in message and "broken.json" in message


def test_uploading_changed_content_updates_the_transcript(index, tmp_path):
    service = ChatService(index)
    path = write(tmp_path / "ferry.txt", FERRY)
    service.add_files([path])
    assert service.add_files([path]).unchanged == ["Harbour committee meeting on the new ferry line"]
    write(tmp_path / "ferry.txt", FERRY.replace("9,300", "9,800"))
    assert service.add_files([path]).updated == ["Harbour committee meeting on the new ferry line"]
    assert index.stats()["transcripts"] == 3


def test_upload_message_escapes_hostile_titles():
    from ragqa.ui.service import UploadResult

    message = UploadResult(added=["<script>x</script>"], problems=["a<b>.txt: bad [x](javascript:1)"]).message()
    assert "<script>" not in message and "<b>" not in message
    assert "](javascript" not in message


def test_warm_up_reports_an_llm_that_cannot_load(index, tmp_path):
    assert ChatService(index).warm_up() is None  # extractive: nothing to load
    missing = tmp_path / "no-such-model.gguf"
    index.settings = index.settings.merged(llm={"backend": "llamacpp", "model": str(missing)})
    problem = ChatService(index).warm_up()
    assert problem is not None and "no-such-model.gguf" in problem


def test_what_another_process_commits_is_served_by_the_next_question(index, tmp_path):
    """The server and `ragqa add` in another process share the index folder: the next question (and the
    stats) see the new transcript without a restart."""
    import ragqa

    service = ChatService(index)
    before = service.stats()["transcripts"]
    other = ragqa.load_index(index.path, settings=index.settings)  # as a separate `ragqa add` would
    other.add([write(tmp_path / "ferry.txt", FERRY)])
    answer = service.ask("How many passengers a day are expected on the ferry?", None, service.filters("", "", "", ""))
    assert any("9,300" in c.quote and c.speaker == "Maria Santos" for c in answer.citations), answer.text
    assert service.stats()["transcripts"] == before + 1
