"""Cited answers: retrieval, one LLM call (or an extractive answer), citation checking."""
from .engine import DEFAULT_K, AnswerEngine, ask
from .stream import AnswerStream

__all__ = ["DEFAULT_K", "AnswerEngine", "AnswerStream", "ask"]
