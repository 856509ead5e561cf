"""A llama-index retriever over ragqa's hybrid search, with a speaker boost.

When a question names a known speaker ("What did Tokayev say ...") and no speaker filter is set,
the speaker's own best passages are searched too and fused with the unfiltered results by
reciprocal rank: that speaker's passages rise, other speakers' strong passages stay.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from ..types import Hit

SearchFn = Callable[..., list[Hit]]  # search_fn(query, k, speaker=, transcript=, date_from=, date_to=)
RRF_K = 60
_HIT_FIELDS = ("transcript_id", "title", "speaker", "turns", "date", "start", "end", "score")


def hit_to_node(hit: Hit, score: float | None = None) -> NodeWithScore:
    """A llama-index node carrying the hit; its metadata is kept out of the LLM's and encoder's view."""
    metadata: dict[str, Any] = {name: getattr(hit, name) for name in _HIT_FIELDS}
    node = TextNode(id_=hit.chunk_id, text=hit.text, metadata=metadata,
                    excluded_llm_metadata_keys=list(metadata), excluded_embed_metadata_keys=list(metadata))
    return NodeWithScore(node=node, score=hit.score if score is None else score)


def node_to_hit(node: NodeWithScore) -> Hit:
    """The hit a node was made from (its text possibly trimmed by a postprocessor)."""
    meta = node.node.metadata
    return Hit(chunk_id=node.node.node_id, text=node.node.get_content(), turns=list(meta["turns"]),
               **{name: meta[name] for name in _HIT_FIELDS if name != "turns"})


def fuse(ranked_lists: Sequence[list[Hit]], k: int) -> list[tuple[Hit, float]]:
    """Reciprocal-rank fusion of several rankings (a hit in more lists ranks higher), best k."""
    scores: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for hits in ranked_lists:
        for rank, hit in enumerate(hits):
            scores[hit.chunk_id] = scores.get(hit.chunk_id, 0.0) + 1.0 / (RRF_K + rank + 1)
            first.setdefault(hit.chunk_id, hit)
    order = sorted(scores, key=lambda cid: -scores[cid])[:k]
    return [(first[cid], scores[cid]) for cid in order]


class TranscriptRetriever(BaseRetriever):
    """Retrieves the k best passages through `search_fn`, boosting `boost_speakers`' passages."""

    def __init__(self, search_fn: SearchFn, k: int, filters: dict[str, str | None] | None = None,
                 boost_speakers: Sequence[str] = ()) -> None:
        super().__init__()
        self._search_fn = search_fn
        self._k = k
        self._filters = {name: value for name, value in (filters or {}).items() if value is not None}
        self._boost = [] if self._filters.get("speaker") else list(boost_speakers)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        query = query_bundle.query_str
        plain = self._search_fn(query, self._k, **self._filters)
        if not self._boost:
            return [hit_to_node(hit) for hit in plain]
        boosted = [self._search_fn(query, self._k, **{**self._filters, "speaker": name}) for name in self._boost]
        return [hit_to_node(hit, score) for hit, score in fuse([*boosted, plain], self._k)]
