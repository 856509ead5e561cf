"""Question language detection on real questions."""
import pytest

from ragqa.answering.language import language_name, question_language


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
    assert question_language(question) == expected


def test_no_evidence_gives_the_default():
    assert question_language("Tokayev?") == "en"
    assert question_language("12345", default="it") == "it"
    assert language_name("it") == "Italian"
