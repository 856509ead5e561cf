"""Turn a file's bytes into text: detect the encoding, refuse binary files, normalise line endings."""
from __future__ import annotations

import codecs
from collections import Counter
from pathlib import Path

import charset_normalizer

from ragqa.errors import ParseError

# Leading bytes of common non-text formats, with the name used in the error message.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive, or a .docx/.xlsx document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"OggS", "an Ogg audio file"),
    (b"ID3", "an MP3 audio file"),
    (b"RIFF", "a RIFF (WAV/AVI) media file"),
    (b"\x1aE\xdf\xa3", "a Matroska/WebM video"),
)
# Latin-script code pages tried in order (a tie keeps the earlier one), and the non-ASCII letters of the
# languages written in them: a decoding is right when its accented letters are those of one language.
_LATIN_CODECS = ("cp1252", "cp1250", "iso8859_2", "cp1257", "cp1254", "iso8859_15", "iso8859_16", "iso8859_13")
_ALPHABETS = tuple(frozenset(letters + letters.upper()) for letters in (
    "äöüß", "àâæçéèêëîïôœùûüÿ", "áéíóúñü¡¿ºª", "àèéìíòóù", "áâãàçéêíóôõú", "åäöé", "æøåé", "áéíóúýþæöð",
    "àèéíïòóúüç", "ąćęłńóśźż", "áčďéěíňóřšťúůýž", "áäčďéíĺľňóôŕšťúýž", "áéíóöőúüű", "ăâîșțşţ", "čćđšž",
    "ąčęėįšųūž", "āčēģīķļņšūž", "äöõüšž", "çğıöşüâîûİ", "ëç", "äöüéèà"))
_SIGNS = frozenset("\u00a0’‘“”„‚–—…€«»°·•§©®™±×")  # typographic signs any of these languages may use
_MIN_FIT = 0.95  # share of non-ASCII characters a Latin decoding must explain with one alphabet
_MAX_FOREIGN_SHARE = 0.5  # as many accented as plain letters: not Western text (Cyrillic in cp1251 ...)
_SAMPLE = 65536  # bytes inspected for the UTF-16 NUL pattern (and characters for control codes)
_DETECT_BYTES = 1 << 20  # bytes given to charset detection
_MAX_CONTROL_SHARE = 0.01  # more C0/C1 control characters than this and the "text" is not text


def read_text(path: str | Path) -> str:
    """Read a transcript file as text.

    Accepts UTF-8 (with or without BOM), UTF-16/32 with BOM, UTF-16 without BOM, and legacy
    8-bit encodings (Latin-1/cp1252, cp1251, ...) found by charset detection. Line endings become
    "\\n" and a leading BOM is dropped. Raises ParseError for binary or undecodable files.
    """
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise ParseError(str(path), "is a directory, not a file") from None
    except OSError as exc:
        raise ParseError(str(path), f"cannot read file: {exc.strerror or exc}") from None
    return decode_bytes(data, str(path))


def decode_bytes(data: bytes, path: str) -> str:
    """Decode `data` (the contents of `path`) as described in `read_text`."""
    text = _decode(data, path)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, path: str) -> str:
    if not data:
        return ""
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"),
                       (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _strict(data, codec, path)
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ParseError(path, f"binary file ({kind}), not a text transcript")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return _strict(data, utf16, path)
    if b"\x00" in data:
        raise ParseError(path, "binary file (contains NUL bytes), not a text transcript")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = _mostly_utf8(data) or _legacy(data)
    if text is None or not _looks_like_text(text):
        raise ParseError(path, "not a text file (unknown encoding or binary content)")
    return text


def _strict(data: bytes, codec: str, path: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise ParseError(path, f"invalid {codec.upper()} text at byte {exc.start}") from None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit on one side of most byte pairs (ASCII-heavy UTF-16)."""
    sample = data[: _SAMPLE - _SAMPLE % 2]
    if len(sample) < 4 or len(data) % 2:
        return None
    pairs = len(sample) // 2
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    if odd_nul >= 0.3 * pairs and even_nul <= 0.02 * pairs:
        return "utf-16-le"
    if even_nul >= 0.3 * pairs and odd_nul <= 0.02 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 with a few stray bytes: decode with U+FFFD replacements when valid sequences dominate."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", errors="ignore")) - bad  # valid non-ASCII characters
    return text if good >= 3 * bad else None


def _legacy(data: bytes) -> str | None:
    """The Latin code page whose accented letters are those of one language (Polish in ISO-8859-2,
    Lithuanian in cp1257 ...), else the charset detector's best guess (Cyrillic, Greek, CJK ...)."""
    best, best_fit = None, 0.0
    for codec in _LATIN_CODECS:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        fit = _latin_fit(text[:_SAMPLE])
        if fit > best_fit:
            best, best_fit = text, fit
    if best is not None and best_fit >= _MIN_FIT:
        return best
    matches = list(charset_normalizer.from_bytes(data[:_DETECT_BYTES]))
    if not matches:
        return None
    try:
        return data.decode(matches[0].encoding)
    except UnicodeDecodeError:
        return None


def _latin_fit(sample: str) -> float:
    """Share of the non-ASCII characters that are typographic signs or letters of the best-fitting
    alphabet (a sign inside a word, "hovori»", is a misread letter); 0 when they outnumber half the
    letters (not Latin-script text)."""
    foreign = [(k, ch) for k, ch in enumerate(sample) if ord(ch) > 127]
    letters = sum(ch.isalpha() for ch in sample)
    if not foreign or len(foreign) > _MAX_FOREIGN_SHARE * max(letters, 1):
        return 0.0 if foreign else 1.0
    rest = Counter(ch for k, ch in foreign if ch not in _SIGNS or _inside_word(sample, k))
    fits = max(sum(n for ch, n in rest.items() if ch in alphabet) for alphabet in _ALPHABETS)
    return (len(foreign) - rest.total() + fits) / len(foreign)


def _inside_word(text: str, k: int) -> bool:
    return 0 < k < len(text) - 1 and text[k - 1].isalpha() and text[k + 1].isalpha()


def _looks_like_text(text: str) -> bool:
    sample = text[:_SAMPLE]
    controls = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 127 <= ord(ch) < 160)
    return controls <= _MAX_CONTROL_SHARE * max(len(sample), 1)
