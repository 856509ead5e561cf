"""Node postprocessors applied between retrieval and the LLM."""
from __future__ import annotations

from llama_index.core.bridge.pydantic import Field
from llama_index.core.postprocessor.types import BaseNodePostprocessor
from llama_index.core.schema import NodeWithScore, QueryBundle


def estimate_tokens(text: str) -> int:
    """A generous token count for Qwen-style BPE: ~3.4 Latin characters a token (measured on the
    Italian seed), non-Latin scripts (Cyrillic, ...) ~2 characters a token."""
    non_latin = sum(1 for ch in text if ord(ch) > 0x24F)
    return int((len(text) - non_latin) / 3.2 + non_latin / 2.0) + 1


class ContextBudget(BaseNodePostprocessor):
    """Keeps passages in rank order while they fit `max_tokens`; the passage that crosses the budget
    is cut at a word boundary (when at least `min_tokens` of it fit) and the rest are dropped."""

    max_tokens: int = Field(gt=0)
    min_tokens: int = Field(default=40, ge=1)

    @classmethod
    def class_name(cls) -> str:
        return "ContextBudget"

    def _postprocess_nodes(self, nodes: list[NodeWithScore],
                           query_bundle: QueryBundle | None = None) -> list[NodeWithScore]:
        kept: list[NodeWithScore] = []
        used = 0
        for item in nodes:
            text = item.node.get_content()
            cost = estimate_tokens(text) + 4  # the "[n] " prefix and separating blank line
            if used + cost <= self.max_tokens:
                kept.append(item)
                used += cost
                continue
            room = self.max_tokens - used
            if room >= self.min_tokens:
                ratio = room / cost
                cut = text[:int(len(text) * ratio)].rsplit(" ", 1)[0] + " …"
                kept.append(NodeWithScore(node=item.node.model_copy(update={"text": cut}), score=item.score))
            break
        return kept
