"""A BERT encoder forward pass in numpy (float32), with mean pooling and L2 normalisation: the
sentence-transformers recipe of all-MiniLM-L6-v2, for weights stored as a plain `.npz` of the Hugging Face
tensor names (`BertWeights`). Word embeddings may be stored as int8 with one float scale per row."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from .base import normalise
from .wordpiece import WordPieceTokenizer

LAYER_NORM_EPS = 1e-12


@dataclass(frozen=True)
class BertWeights:
    """Tensors by Hugging Face name (`embeddings.word_embeddings.weight`, `encoder.layer.0...`), float32."""

    tensors: dict[str, np.ndarray]
    heads: int

    @property
    def layers(self) -> int:
        return len({k.split(".")[2] for k in self.tensors if k.startswith("encoder.layer.")})

    @classmethod
    def load(cls, path: Path) -> "BertWeights":
        """Read an `.npz` written by `save` (the fine-tuned encoder is bundled this way)."""
        with np.load(path, allow_pickle=False) as npz:
            raw = {k: npz[k] for k in npz.files}
        heads = int(raw.pop("config.heads"))
        tensors = {}
        for name, value in raw.items():
            if name.endswith(".scale"):
                continue
            if value.dtype == np.int8:
                value = value.astype(np.float32) * raw[name + ".scale"][:, None]
            tensors[name] = np.ascontiguousarray(value, dtype=np.float32)
        return cls(tensors=tensors, heads=heads)

    def save(self, path: Path, int8: tuple[str, ...] = ("embeddings.word_embeddings.weight",)) -> None:
        """Write the tensors as float16 (those named in `int8` as int8 with a per-row scale)."""
        out: dict[str, np.ndarray] = {"config.heads": np.asarray(self.heads)}
        for name, value in self.tensors.items():
            if name in int8:
                scale = np.abs(value).max(axis=1) / 127.0
                scale[scale == 0] = 1.0
                out[name] = np.round(value / scale[:, None]).astype(np.int8)
                out[name + ".scale"] = scale.astype(np.float32)
            else:
                out[name] = value.astype(np.float16)
        with open(path, "wb") as fh:
            np.savez(fh, **out)


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + LAYER_NORM_EPS) * gamma + beta


def _gelu(x: np.ndarray) -> np.ndarray:
    """GELU, tanh form (within 1e-3 of the erf form; the pooled vectors agree to a cosine > 0.9999)."""
    y = x * x
    y *= x
    y *= 0.044715
    y += x
    y *= 0.7978845608
    np.tanh(y, out=y)
    y += 1.0
    y *= x
    y *= 0.5
    return y


class BertSentenceEncoder:
    """Texts -> mean-pooled, L2-normalised BERT vectors (float32), in batches of similar length."""

    def __init__(self, weights: BertWeights, tokenizer: WordPieceTokenizer, max_length: int = 128,
                 batch_size: int = 64) -> None:
        self.w = {name: np.ascontiguousarray(t.T) if t.ndim == 2 and name.startswith("encoder.") else t
                  for name, t in weights.tensors.items()}  # dense kernels as (in, out)
        self.heads = weights.heads
        self.n_layers = weights.layers
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.batch_size = batch_size
        self.dim = self.w["embeddings.word_embeddings.weight"].shape[1]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = [self.tokenizer.encode(t, self.max_length) for t in texts]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))  # little padding per batch
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            out[batch] = self._forward([ids[i] for i in batch])
        return normalise(out)

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        w = self.w
        n, length = len(batch), max(len(b) for b in batch)
        tokens = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, b in enumerate(batch):
            tokens[i, :len(b)] = b
            mask[i, :len(b)] = 1.0
        x = (w["embeddings.word_embeddings.weight"][tokens] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        head_dim = self.dim // self.heads
        bias = ((1.0 - mask) * np.finfo(np.float32).min)[:, None, None, :]
        for i in range(self.n_layers):
            p = f"encoder.layer.{i}."

            def dense(h: np.ndarray, name: str) -> np.ndarray:
                flat = h.reshape(-1, h.shape[-1]) @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return flat.reshape(*h.shape[:-1], -1)

            def split(h: np.ndarray) -> np.ndarray:
                return h.reshape(n, length, self.heads, head_dim).transpose(0, 2, 1, 3)

            q, k, v = (split(dense(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) * (1.0 / head_dim ** 0.5) + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = scores @ v
            context = context.transpose(0, 2, 1, 3).reshape(n, length, self.dim)
            x = _layer_norm(dense(context, "attention.output.dense") + x,
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            h = _gelu(dense(x, "intermediate.dense"))
            x = _layer_norm(dense(h, "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
