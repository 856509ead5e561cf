"""Learned model parameters shipped with ragqa (see passage_ranker and embedding.ranker_encoder; README.md)."""
