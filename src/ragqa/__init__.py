"""ragqa: ask questions of transcripts; every claim cited to the speaker turn that said it.

    import ragqa
    index = ragqa.build_index(["data/"], index_dir="index")
    hits = index.search("How long is the border?", k=5)
    answer = index.ask("How long is the border?")
"""
from .runtime import prefer_passive_openmp

prefer_passive_openmp()

from .errors import IndexFormatError, ModelUnavailableError, ParseError, RagqaError
from .index import BuildReport, Index, TranscriptInfo, build_from_transcripts, build_index, load_index
from .settings import Settings, load_settings
from .types import Answer, Chunk, Citation, Hit, SourceProblem, Transcript, Turn

__version__ = "0.1.0"

__all__ = [
    "Answer", "BuildReport", "Chunk", "Citation", "Hit", "Index", "IndexFormatError", "ModelUnavailableError",
    "ParseError", "RagqaError", "Settings", "SourceProblem", "Transcript", "TranscriptInfo", "Turn",
    "build_from_transcripts", "build_index", "load_index", "load_settings",
]
