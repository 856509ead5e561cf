"""Read transcripts: plain text, JSON/JSONL, WebVTT and SRT, from files and directories.

    result = load_sources(["data/", "talk.vtt"])  # LoadResult(transcripts, problems)
    transcripts, problems = parse_file(Path("x.txt"))
"""
from ragqa.parsing.encoding import read_text
from ragqa.parsing.sources import SUPPORTED_SUFFIXES, LoadResult, load_sources, parse_file

__all__ = ["SUPPORTED_SUFFIXES", "LoadResult", "load_sources", "parse_file", "read_text"]
