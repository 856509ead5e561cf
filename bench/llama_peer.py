"""The out-of-the-box LlamaIndex pipeline, as the peer of `ragqa build`: one Document per transcript,
the default node parser, `VectorStoreIndex` over a `FaissVectorStore`, persisted to disk, with the
same embedder as ragqa (wrapped as a LlamaIndex `BaseEmbedding`)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr


def _embedding_class() -> type:
    from llama_index.core.embeddings import BaseEmbedding

    class RagqaEmbedding(BaseEmbedding):
        """A ragqa embedder seen through LlamaIndex's embedding interface."""

        _embedder: Any = PrivateAttr()

        def __init__(self, embedder: Any, **kwargs: Any) -> None:
            super().__init__(model_name=embedder.model_id, **kwargs)
            self._embedder = embedder

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embedder.embed_queries([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embedder.embed_passages([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embedder.embed_passages(texts).tolist()

    return RagqaEmbedding


def llama_index_build(jsonl: Path, embedder: Any, persist_dir: Path) -> int:
    """Index the transcripts of `jsonl` the LlamaIndex way; returns the number of nodes embedded."""
    import faiss
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    documents = []
    with open(jsonl, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            text = "\n".join(f"{t['speaker']}: {t['text']}" if t["speaker"] else t["text"] for t in row["turns"])
            meta = {k: row[k] for k in ("title", "date", "url") if row.get(k)}
            documents.append(Document(text=text, metadata=meta,
                                      id_=str(row.get("id") or row.get("meeting_id") or row.get("doc_id"))))
    store = FaissVectorStore(faiss_index=faiss.IndexFlatIP(embedder.dim))
    storage = StorageContext.from_defaults(vector_store=store)
    index = VectorStoreIndex.from_documents(documents, storage_context=storage,
                                            embed_model=_embedding_class()(embedder), show_progress=False)
    storage.persist(persist_dir=str(persist_dir))
    return len(index.index_struct.nodes_dict)
