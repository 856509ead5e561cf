from ragqa.ui.highlight import SupportWords, citing_sentences, supporting_spans


def marked(quote: str, answer_sentences: list[str]) -> list[str]:
    return [quote[a:b] for a, b in supporting_spans(quote, SupportWords(answer_sentences))]


def test_numbers_match_whatever_the_thousands_separator():
    quote = "Il confine tra i nostri Paesi è lungo 7.591 chilometri, nel 2019 2020 anni."
    for answer in ("The border is 7,591 km long.", "It is 7 591 km.", "It is 7, 591 kilometers.", "7591"):
        assert marked(quote, [answer]) == ["7.591"]
    assert marked(quote, ["In 2020."]) == ["2020"]


def test_names_and_word_forms_match_across_languages():
    quote = "il Kazakistan e la Russia sono alleati; they have interests"
    assert marked(quote, ["Kazakhstan and Russia are allies with shared interest"]) == [
        "Kazakistan", "Russia", "interests"]


def test_words_that_only_share_a_beginning_do_not_match():
    quote = "From Vladivostok, an international corridor"
    assert marked(quote, ["Vladimir Putin named an interested partner"]) == []


def test_stopwords_and_short_words_are_never_highlighted():
    quote = "the border of the country and the sea"
    assert marked(quote, ["The country of the people and the sea"]) == ["country", "sea"]


def test_neighbouring_matches_merge_into_one_span():
    quote = "Kassym-Jomart Tokayev spoke"
    assert marked(quote, ["Kassym-Jomart Tokayev said so"]) == ["Kassym-Jomart Tokayev"]


def test_marker_after_the_full_stop_belongs_to_the_sentence_before():
    answer = "The border is 7,591 km long. [1] Trade reached 28 billion dollars [2]."
    assert citing_sentences(answer, 1) == ["The border is 7,591 km long. [1]"]
    assert citing_sentences(answer, 2) == ["Trade reached 28 billion dollars [2]."]


def test_uncited_number_falls_back_to_the_whole_answer():
    answer = "Nothing is cited here."
    assert citing_sentences(answer, 3) == [answer]
