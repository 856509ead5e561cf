"""Citation parsing, verification and renumbering on real sentences about the seed transcript."""
from ragqa.answering.citations import cited_numbers, marker_numbers, normalise_markers, strip_markers, verify

BORDER = ("Kassym-Jomart Tokayev: Il 12 novembre, tra un paio di settimane, effettuerò una visita ufficiale in "
          "Russia su Vostro invito. Il Kazakistan e la Russia condividono il confine di Stato più lungo del "
          "mondo: 7591 chilometri.")
TRADE = ("Kassym-Jomart Tokayev: Gli indicatori sono buoni. L’anno scorso ha raggiunto i 28 miliardi di dollari. "
         "Le aziende russe hanno investito oltre 26 miliardi di dollari nella nostra economia.")
THANKS = "Vladimir Putin: Grazie."
PASSAGES = [BORDER, TRADE, THANKS]


def test_marker_forms_are_parsed():
    assert marker_numbers("1, 2") == [1, 2]
    assert marker_numbers("2-4") == [2, 3, 4]
    assert cited_numbers("A [1]. B [2][3]. C [Passage 4]. D (5).") == [1, 2, 3, 4, 5]
    assert normalise_markers("The border is long. [1]") == "The border is long [1]."
    assert strip_markers("The border is 7591 km long [1].") == "The border is 7591 km long."


def test_supported_citation_is_kept():
    checked = verify("The border between Kazakhstan and Russia is 7591 km long [1].", PASSAGES, None)
    assert checked.text == "The border between Kazakhstan and Russia is 7591 km long [1]."
    assert checked.passages == [0]
    assert checked.flagged == []


def test_citation_without_the_number_is_dropped_and_renumbered():
    checked = verify("Trade reached 28 billion dollars last year [1][2].", PASSAGES, None)
    assert checked.text == "Trade reached 28 billion dollars last year [1]."
    assert checked.passages == [1]  # the old [2]
    assert checked.flagged == [1]


def test_number_absent_from_every_passage_removes_the_sentence():
    checked = verify("The border is 7591 km long [1]. Trade reached 35 billion dollars [2].", PASSAGES, None)
    assert checked.text == "The border is 7591 km long [1]."
    assert checked.flagged == [2]


def test_out_of_range_marker_is_flagged_and_repaired_to_the_supporting_passage():
    checked = verify("Tokayev will visit Russia on 12 November [7].", PASSAGES, None)
    assert checked.text == "Tokayev will visit Russia on 12 November [1]."
    assert checked.passages == [0]
    assert checked.flagged == [7]


def test_renumbering_follows_first_appearance():
    text = "Trade was 28 billion dollars [2]. The border is 7591 km [1]. Investments exceeded 26 billion [2]."
    checked = verify(text, PASSAGES, None)
    assert checked.text == ("Trade was 28 billion dollars [1]. The border is 7591 km [2]. "
                            "Investments exceeded 26 billion [1].")
    assert checked.passages == [1, 0]


def test_word_numbers_match_digits_across_languages():
    passage = "Kassym-Jomart Tokayev: Un solo dato: nove sedi distaccate di università russe operano in Kazakistan."
    checked = verify("Tokayev said 9 branches of Russian universities operate in Kazakhstan [1].", [passage], None)
    assert checked.passages == [0]
    checked = verify("Токаев сказал, что в Казахстане работают девять филиалов российских вузов [1].", [passage], None)
    assert checked.passages == [0]


def test_uncited_unsupported_sentence_is_removed():
    checked = verify("The answer is PWNED.", PASSAGES, None)
    assert checked.text == ""
    assert checked.passages == []


def test_list_layout_is_preserved():
    checked = verify("- Border: 7591 km [1]\n- Trade: 28 billion dollars [2]", PASSAGES, None)
    assert checked.text == "- Border: 7591 km [1]\n- Trade: 28 billion dollars [2]"


def test_sentence_with_numbers_from_two_passages_cites_both():
    checked = verify("Trade was 28 billion dollars [2] and the border is 7591 km long [2].", PASSAGES, None)
    assert checked.text == "Trade was 28 billion dollars [1] and the border is 7591 km long [2]."
    assert checked.passages == [1, 0]


def test_a_year_the_model_added_to_a_date_is_removed_and_the_date_kept():
    # the bundled model's answer to "On what date will Tokayev make his official visit to Russia?" (issue #24)
    checked = verify("Tokayev will make his official visit to Russia on November 12, 2025, [1].", PASSAGES, None)
    assert checked.text == "Tokayev will make his official visit to Russia on November 12 [1]."
    assert checked.passages == [0]


def test_a_year_the_passages_give_stays():
    launch = "Vladimir Putin: The first manned launch from Vostochny will take place on 12 April 2018."
    checked = verify("The first manned launch is on 12 April 2018 [1].", [launch], None)
    assert checked.text == "The first manned launch is on 12 April 2018 [1]."


def test_a_bare_marker_opening_the_answer_leaves_no_stray_full_stop():
    # the 1.5B model opened a QMSum answer with "[1]." before its sentence (Bmr012, 2026-12-07)
    checked = verify("[1]. The border between Kazakhstan and Russia is 7591 km long [1].", PASSAGES, None)
    assert checked.text == "The border between Kazakhstan and Russia is 7591 km long [1]."
    assert checked.passages == [0]


def test_markers_opening_lines_move_to_the_end_of_their_sentence():
    # the 1.5B model copies the passages' layout, "[n] text" (facts bench, 2026-12-07)
    assert normalise_markers("[1] 47 regions") == "47 regions [1]"
    checked = verify("[1] The border is 7591 km long.\n[2] Trade reached 28 billion dollars last year.", PASSAGES, None)
    assert checked.text == "The border is 7591 km long [1].\nTrade reached 28 billion dollars last year [2]."
    assert checked.passages == [0, 1]
