"""Retrieval: the candidate chunks of a question from a store (dense and BM25 top-n under the filters), their
z-score fusion and, across transcripts, the transcript prior. Ranking them is `ragqa.ranking`."""
