"""BERT's uncased WordPiece tokenizer in pure Python (the `BertTokenizer` of all-MiniLM-L6-v2), so the
passage ranker's encoder runs without torch or the `tokenizers` package."""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

MAX_WORD_CHARS = 100  # a longer word is [UNK], as in BERT


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF
            or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokens(text: str) -> list[str]:
    """BERT's basic tokenization: drop control characters, lowercase, strip accents, split on whitespace,
    punctuation and CJK characters."""
    out: list[str] = []
    word: list[str] = []
    for ch in unicodedata.normalize("NFD", text.lower()):
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or unicodedata.category(ch) == "Mn":
            continue
        if ch in " \t\n\r" or unicodedata.category(ch) == "Zs":
            if word:
                out.append("".join(word))
                word = []
            continue
        if unicodedata.category(ch) in ("Cc", "Cf"):
            continue
        if _is_punctuation(ch) or _is_cjk(cp):
            if word:
                out.append("".join(word))
                word = []
            out.append(ch)
            continue
        word.append(ch)
    if word:
        out.append("".join(word))
    return out


class WordPieceTokenizer:
    """Text -> token ids: [CLS] pieces [SEP], truncated to `max_length` ids."""

    def __init__(self, vocab: list[str]) -> None:
        self.ids = {token: i for i, token in enumerate(vocab)}
        self.cls, self.sep, self.unk = self.ids["[CLS]"], self.ids["[SEP]"], self.ids["[UNK]"]

    @classmethod
    def from_file(cls, path: Path) -> "WordPieceTokenizer":
        lines = path.read_text(encoding="utf-8").split("\n")
        return cls(lines[:-1] if lines and lines[-1] == "" else lines)

    @lru_cache(maxsize=65536)
    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unk,)
        pieces: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece = None
            while start < end:
                sub = word[start:end] if start == 0 else "##" + word[start:end]
                if sub in self.ids:
                    piece = self.ids[sub]
                    break
                end -= 1
            if piece is None:
                return (self.unk,)
            pieces.append(piece)
            start = end
        return tuple(pieces)

    def encode(self, text: str, max_length: int) -> list[int]:
        ids: list[int] = []
        for word in basic_tokens(text):
            ids.extend(self._word_ids(word))
            if len(ids) >= max_length - 2:
                break
        return [self.cls, *ids[:max_length - 2], self.sep]
