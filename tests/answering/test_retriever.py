"""The llama-index retriever over a real seed index: hits survive the round trip, speaker boost."""
from llama_index.core.schema import QueryBundle

from ragqa.answering.postprocessors import ContextBudget, estimate_tokens
from ragqa.answering.retriever import TranscriptRetriever, fuse, hit_to_node, node_to_hit


def test_nodes_carry_the_hits_and_hide_metadata_from_the_llm(seed_index):
    hits = seed_index.search("How long is the border?", k=3)
    nodes = TranscriptRetriever(seed_index.search, 3).retrieve("How long is the border?")
    assert [node_to_hit(n) for n in nodes] == hits
    assert nodes[0].node.get_content(metadata_mode="llm") == hits[0].text


def test_speaker_boost_raises_that_speakers_passages(seed_index):
    question = "What was said about relations between Russia and Kazakhstan?"
    plain = [node_to_hit(n).speaker for n in TranscriptRetriever(seed_index.search, 4).retrieve(question)]
    boosted = [node_to_hit(n).speaker for n in
               TranscriptRetriever(seed_index.search, 4, boost_speakers=["Vladimir Putin"]).retrieve(question)]
    assert boosted.count("Vladimir Putin") > plain.count("Vladimir Putin")
    assert boosted[0] == "Vladimir Putin"
    assert any(s != "Vladimir Putin" for s in boosted)  # a boost, not a filter


def test_explicit_speaker_filter_wins_over_the_boost(seed_index):
    retriever = TranscriptRetriever(seed_index.search, 3, {"speaker": "Kassym-Jomart Tokayev"},
                                    boost_speakers=["Vladimir Putin"])
    assert {node_to_hit(n).speaker for n in retriever.retrieve(QueryBundle("trade"))} == {"Kassym-Jomart Tokayev"}


def test_fuse_prefers_hits_in_both_lists(seed_index):
    hits = seed_index.search("trade", k=4)
    fused = fuse([[hits[2]], hits], k=4)
    assert fused[0][0] == hits[2]
    assert len(fused) == 4


def test_context_budget_keeps_rank_order_and_cuts_the_last_passage(seed_index):
    nodes = [hit_to_node(h) for h in seed_index.search("trade", k=4)]
    first = estimate_tokens(nodes[0].node.get_content()) + 4
    kept = ContextBudget(max_tokens=first + 60).postprocess_nodes(nodes)
    assert len(kept) == 2 and kept[0].node.get_content() == nodes[0].node.get_content()
    assert kept[1].node.get_content().endswith("…")
    assert len(kept[1].node.get_content()) < len(nodes[1].node.get_content())
