"""Numbers, key terms and the support decision."""
from ragqa.answering.support import Evidence, evidence_matrix, key_terms, numbers


def test_numbers_compare_by_digits_across_languages():
    assert numbers("7591 km") == numbers("7591 chilometri") == numbers("7 591 km") == numbers("7,591 km") == {"7591"}
    assert numbers("28 billion") == numbers("28 miliardi") == numbers("28 млрд") == {"28"}
    assert numbers("nine branches") == numbers("nove sedi") == numbers("девять филиалов") == {"9"}
    assert numbers("12 November 2025") == {"12", "2025"}
    assert numbers("Russia is one of the main investors") == set()


def test_key_terms_are_stemmed_content_words():
    assert {"invest", "dollar"} <= key_terms("Russian companies invested 26 billion dollars")
    assert "the" not in key_terms("the border")
    assert "tokayev" not in key_terms("Tokayev said", exclude=frozenset({"tokayev"}))


def test_support_rules():
    with_number = Evidence(frozenset({"28"}), frozenset(), frozenset(), None)
    wrong_number = Evidence(frozenset(), frozenset({"35"}), frozenset({"trade"}), 0.9)
    similar = Evidence(frozenset(), frozenset(), frozenset(), 0.5)
    weak_with_term = Evidence(frozenset(), frozenset(), frozenset({"rosatom"}), 0.25)
    weak_alone = Evidence(frozenset(), frozenset(), frozenset(), 0.25)
    short_claim = Evidence(frozenset(), frozenset(), frozenset({"rosatom"}), 0.1, claim_terms=1)
    one_term_of_many = Evidence(frozenset(), frozenset(), frozenset({"russia"}), 0.1, claim_terms=5)
    assert with_number.supports and similar.supports and weak_with_term.supports and short_claim.supports
    assert not wrong_number.supports and not weak_alone.supports and not one_term_of_many.supports


def test_evidence_without_encoder_uses_numbers_and_terms():
    table = evidence_matrix(["Rosatom will build the plant.", "Trade reached 28 billion."],
                            ["Tokayev: la centrale nucleare con «Rosatom».", "Tokayev: 28 miliardi di dollari."], None)
    assert table[0][0].shared_terms == {"rosatom"} and table[0][0].supports
    assert not table[0][1].supports
    assert table[1][1].shared_numbers == {"28"} and table[1][1].supports
