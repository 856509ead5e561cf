"""Ranking: ordering the candidates `ragqa.retrieval` gathered. Inside one transcript the learned passage ranker
(`features`, `learned`), elsewhere the fusion; `gates` says which signals apply to a question."""
