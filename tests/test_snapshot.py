"""`filter_mask` on a hand-made snapshot: three transcripts, five chunks (only the columns filters read)."""
import numpy as np
import pytest

from ragqa.snapshot import Snapshot, filter_mask
from ragqa.types import Filters


def _snapshot() -> Snapshot:
    speakers = np.empty(2, dtype=object)
    speakers[:] = ["Vladimir Putin", "Kassym-Jomart Tokayev"]
    return Snapshot(
        manifest=None, parts=[], transcript_order=["A-1", "b-2", "c-3"],
        transcript_keys=np.array(["a-1", "b-2", "c-3"]), transcript_dates=np.array(["2025-10-10", "2025-11-02", ""]),
        transcript_codes=np.array([0, 0, 1, 1, 2], dtype=np.int32), speaker_table=speakers,
        speaker_codes=np.array([0, 1, 0, 1, 0], dtype=np.int32), lang_table=np.array([None], dtype=object),
        lang_codes=np.zeros(5, dtype=np.int32), word_counts=np.full(5, 10.0), turn_counts=np.ones(5, dtype=np.int32),
        vectors=None, dense=None, lexical=None, ranker_encoder=None, ranker_vectors=None)


def _rows(**filters) -> list[int] | None:
    mask = filter_mask(_snapshot(), Filters(**filters))
    return None if mask is None else np.flatnonzero(mask).tolist()


def test_no_filter_is_no_mask():
    assert _rows() is None


@pytest.mark.parametrize("filters,rows", [
    ({"speaker": " vladimir PUTIN "}, [0, 2, 4]),  # exact, case-insensitive
    ({"speaker": "Putin"}, []),  # not a fuzzy match
    ({"transcript": "a-1"}, [0, 1]),
    ({"transcript": "A-1", "speaker": "Kassym-Jomart Tokayev"}, [1]),
    ({"date_from": "2025-11-01"}, [2, 3]),  # an unknown date never passes a date filter
    ({"date_to": "2025-10"}, [0, 1]),  # a prefix compares as its whole period
    ({"date_to": "2025-11"}, [0, 1, 2, 3]),
    ({"date_from": "2025-10-11", "date_to": "2025-11-02"}, [2, 3]),
])
def test_filters_are_exact_and_combine(filters, rows):
    assert _rows(**filters) == rows
