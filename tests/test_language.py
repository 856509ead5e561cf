"""The one language detector (questions, transcripts, the BM25 gate, the answer language) on real questions."""
import json
from pathlib import Path

import pytest

from ragqa.language import detect_language, language_name, query_language

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("question, expected", [
    ("How long is the border between Kazakhstan and Russia?", "en"),
    ("What did Tokayev say about investments?", "en"),
    ("Quando Tokayev visiterà la Russia?", "it"),
    ("Di cosa hanno parlato Putin e Tokayev?", "it"),
    ("Какая компания участвует в строительстве атомной электростанции?", "ru"),
    ("Combien de kilomètres mesure la frontière ?", "fr"),
    ("Qu'a dit Tokayev sur les investissements ?", "fr"),
    ("Wie lang ist die Grenze?", "de"),
    ("Was hat Tokayev über Investitionen gesagt?", "de"),
    ("¿Cuánto mide la frontera?", "es"),
    ("Qué dijo Tokayev sobre las inversiones?", "es"),
])
def test_question_language(question, expected):
    assert query_language(question) == expected == detect_language(question)


def test_the_seed_questions_and_transcript():
    questions = json.loads((DATA / "seed_questions.json").read_text(encoding="utf-8"))
    assert {query_language(q["question"]) for q in questions} == {"en", "it", "ru"}
    assert detect_language((DATA / "samples" / "000_8668bff71fb91613.txt").read_text(encoding="utf-8")) == "it"


def test_no_evidence():
    assert query_language("Rosatom 7591") is None and query_language("12345") is None
    assert detect_language("Tokayev?") == "en"
    assert detect_language("12345", default="it") == "it"
    assert language_name("it") == "Italian"
