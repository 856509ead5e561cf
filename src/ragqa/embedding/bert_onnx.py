"""A BERT sentence encoder run by onnxruntime: the weights are stored as a plain `.npz` of the Hugging Face
tensor names (`BertWeights`), the ONNX graph (encoder, mean pooling over the attention mask) is built from them with
the `onnx` helper API, once per weights file (`graph_file` keeps it in the cache folder), and texts are tokenized by
the `tokenizers` WordPiece tokenizer. This is the sentence-transformers recipe of all-MiniLM-L6-v2; vectors are
L2-normalised float32."""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from ..store.files import write_atomic
from .base import normalise

LAYER_NORM_EPS = 1e-12
OPSET = 20  # LayerNormalization (17) and Gelu (20) as single operators


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


def bert_graph(weights: BertWeights) -> bytes:
    """The serialised ONNX model: `input_ids`, `attention_mask` (int64, batch × tokens) -> `pooled` (batch × dim,
    float32), the attention-masked mean of the last layer's token states (not yet normalised)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = weights.tensors
    dim = w["embeddings.word_embeddings.weight"].shape[1]
    head_dim = dim // weights.heads
    inits: list[onnx.TensorProto] = []
    nodes: list[onnx.NodeProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs: object) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, **attrs))
        return output

    def dense(x: str, prefix: str) -> str:  # torch Linear: x @ W.T + b
        kernel = const(prefix + ".kernel", w[prefix + ".weight"].T)
        return node("Add", [node("MatMul", [x, kernel], prefix + ".mm"), const(prefix + ".b", w[prefix + ".bias"])],
                    prefix + ".out")

    def layer_norm(x: str, prefix: str) -> str:
        return node("LayerNormalization", [x, const(prefix + ".g", w[prefix + ".weight"]),
                                           const(prefix + ".beta", w[prefix + ".bias"])],
                    prefix + ".out", axis=-1, epsilon=LAYER_NORM_EPS)

    heads_shape = const("heads_shape", np.array([0, 0, weights.heads, head_dim], dtype=np.int64))
    merged_shape = const("merged_shape", np.array([0, 0, dim], dtype=np.int64))
    scale = const("scale", np.array(1.0 / head_dim ** 0.5, dtype=np.float32))
    one = const("one", np.array(1.0, dtype=np.float32))
    very_negative = const("very_negative", np.array(np.finfo(np.float32).min, dtype=np.float32))

    tokens = node("Gather", [const("word_emb", w["embeddings.word_embeddings.weight"]), "input_ids"], "tok_emb")
    length = node("Shape", ["input_ids"], "length", start=1, end=2)
    positions = node("Slice", [const("pos_emb", w["embeddings.position_embeddings.weight"]),
                               const("zero_i", np.array([0], dtype=np.int64)), length,
                               const("axis0", np.array([0], dtype=np.int64))], "pos")
    x = node("Add", [tokens, positions], "tok_pos")
    x = node("Add", [x, const("type_emb", w["embeddings.token_type_embeddings.weight"][0])], "emb")
    x = layer_norm(x, "embeddings.LayerNorm")

    mask = node("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)
    bias = node("Mul", [node("Sub", [one, mask], "inverted"), very_negative], "bias2d")
    bias = node("Unsqueeze", [bias, const("axes12", np.array([1, 2], dtype=np.int64))], "bias")

    for i in range(weights.layers):
        p = f"encoder.layer.{i}."
        split = [node("Reshape", [dense(x, p + f"attention.self.{m}"), heads_shape], p + m + ".heads")
                 for m in ("query", "key", "value")]
        q = node("Transpose", [split[0]], p + "q", perm=[0, 2, 1, 3])
        k = node("Transpose", [split[1]], p + "k", perm=[0, 2, 3, 1])
        v = node("Transpose", [split[2]], p + "v", perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], p + "qk"), scale], p + "scaled"), bias],
                      p + "scores")
        probs = node("Softmax", [scores], p + "probs", axis=-1)
        context = node("Transpose", [node("MatMul", [probs, v], p + "ctx")], p + "ctx_t", perm=[0, 2, 1, 3])
        context = node("Reshape", [context, merged_shape], p + "context")
        x = layer_norm(node("Add", [dense(context, p + "attention.output.dense"), x], p + "attn_res"),
                       p + "attention.output.LayerNorm")
        hidden = node("Gelu", [dense(x, p + "intermediate.dense")], p + "gelu")
        x = layer_norm(node("Add", [dense(hidden, p + "output.dense"), x], p + "ffn_res"), p + "output.LayerNorm")

    mask3 = node("Unsqueeze", [mask, const("axis_last", np.array([-1], dtype=np.int64))], "mask3")
    axis_tokens = const("axis_tokens", np.array([1], dtype=np.int64))
    summed = node("ReduceSum", [node("Mul", [x, mask3], "masked"), axis_tokens], "summed", keepdims=0)
    count = node("ReduceSum", [mask3, axis_tokens], "count", keepdims=0)
    node("Div", [summed, count], "pooled")

    graph = helper.make_graph(
        nodes, "bert_mean_pooled",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"])],
        [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", dim])], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="ragqa")
    return model.SerializeToString()


def graph_file(weights_path: Path, cache_dir: Path) -> Path:
    """The ONNX model of the `.npz` at `weights_path` as a file in `cache_dir`, named by the hash of the weights
    and of this module (which builds the graph); built and written atomically when missing."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(Path(weights_path).read_bytes())
    target = cache_dir / f"{Path(weights_path).stem}-{digest.hexdigest()[:16]}.onnx"
    if not target.is_file():
        graph = bert_graph(BertWeights.load(weights_path))
        cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(target, graph)
    return target


def _threads() -> int:
    """onnxruntime's intra-op threads: OMP_NUM_THREADS (ragqa sets it from `settings.threads`), else 0 (its default)."""
    try:
        return max(0, int(os.environ.get("OMP_NUM_THREADS", "0")))
    except ValueError:
        return 0


class BertSentenceEncoder:
    """Texts -> mean-pooled, L2-normalised BERT vectors (float32), in batches of similar length."""

    def __init__(self, model: BertWeights | Path, vocab: Path, max_length: int = 128, batch_size: int = 64) -> None:
        """`model`: the weights, or the file `graph_file` wrote for them."""
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads()
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # a shared, loaded machine
        options.log_severity_level = 3  # errors only: the optimiser's shape-merge warnings are not the user's
        graph = str(model) if isinstance(model, Path) else bert_graph(model)
        self._session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self._tokenizer = BertWordPieceTokenizer(str(vocab), lowercase=True)
        self._tokenizer.enable_truncation(max_length)
        self.max_length = max_length
        self.batch_size = batch_size
        self.dim = int(self._session.get_outputs()[0].shape[1])

    def token_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """[CLS] pieces [SEP] of each text, truncated to `max_length` ids."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        ids = self.token_ids(texts)
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: (len(ids[i]), i))  # little padding per batch
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            length = max(len(ids[i]) for i in batch)
            tokens = np.zeros((len(batch), length), dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.int64)
            for row, i in enumerate(batch):
                tokens[row, :len(ids[i])] = ids[i]
                mask[row, :len(ids[i])] = 1
            out[batch] = self._session.run(["pooled"], {"input_ids": tokens, "attention_mask": mask})[0]
        return normalise(out)
