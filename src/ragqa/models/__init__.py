"""Learned model parameters shipped with ragqa (see passage_ranker)."""
