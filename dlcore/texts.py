"""Texts for the character-level models, offline first.

Shipped with every Python install, so every default works without the internet:

- ``pydoc``: the interpreter's built-in help texts (``pydoc_data.topics``), about 465,000 characters of English prose;
- ``stdlib``: Python source code from the standard library (a fixed list of pure-Python modules);
- ``zen``: the Zen of Python, 19 short lines (small enough to memorise: the overfitting lesson in text form).

Also:

- ``sonnets``: Shakespeare's sonnets (public domain), downloaded once from Project Gutenberg with a
  timeout and cached on disk; offline, a one-line message and the help texts instead;
- ``upload``: the student's own ``.txt`` file, checked by :func:`read_upload` (UTF-8, size cap,
  minimum length, not binary). An upload lives in that user's session; when it goes to an
  experiment its content travels inside the config and results are keyed by its SHA-256 digest,
  so nothing is ever shared under a name another session could ask for.

A :class:`Text` compares and hashes by its source and content digest, never by its label.
"""

from __future__ import annotations

import ast
import codecs
import hashlib
import os
import sysconfig
import tempfile
import threading
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

SOURCES = {
    "pydoc": "Python's built-in help texts (prose, offline)",
    "stdlib": "Python standard-library source code (offline)",
    "zen": "The Zen of Python (19 lines, offline)",
    "sonnets": "Shakespeare's sonnets (downloaded once)",
    "upload": "Your own .txt file",
}
BUILT_IN = ("pydoc", "stdlib", "zen")
FALLBACK = "pydoc"  # what a failed download or a missing upload trains on instead

MAX_UPLOAD_BYTES = 1_000_000  # 1 MB of text is plenty for a character model trained for a minute
MIN_UPLOAD_CHARACTERS = 300
MAX_VOCABULARY = 150  # rarer characters become RARE, so an emoji-heavy upload cannot blow up the softmax
RARE = "□"
DOWNLOAD_TIMEOUT_S = 10
SONNETS_URL = "https://www.gutenberg.org/cache/epub/1041/pg1041.txt"
SONNETS_FILE = "shakespeare_sonnets_pg1041.txt"
STDLIB_MODULES = (
    "textwrap", "string", "fractions", "heapq", "bisect", "colorsys", "calendar", "statistics", "shlex", "fnmatch",
    "glob", "queue", "sched", "random", "functools", "contextlib", "operator", "csv", "pprint", "copy", "numbers",
    "base64", "gettext", "difflib",
)  # fmt: skip
STDLIB_CHARACTERS = 450_000


class UploadError(ValueError):
    """An uploaded file that cannot be trained on; the message says what is wrong, for the student."""


@dataclass(frozen=True)
class Text:
    """One text to train on. Equal (and hashed) by source and content digest only."""

    source: str  # a key of SOURCES
    digest: str  # SHA-256 of the content
    characters: int
    label: str = field(default="", compare=False)
    note: str | None = field(default=None, compare=False)  # set when a fallback replaced what was asked for
    embedded: str = field(default="", compare=False, repr=False)  # uploads: the content itself travels with the config

    @property
    def content(self) -> str:
        if self.embedded or self.source == "upload":
            content = self.embedded
        else:
            content = _source_content(self.source)
        if digest_of(content) != self.digest:
            raise ValueError(f"the {self.source} text changed since it was chosen; choose it again")
        return content


def digest_of(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _text(source: str, content: str, note: str | None = None, embed: bool = False) -> Text:
    label = SOURCES[source].split(" (")[0]
    return Text(source, digest_of(content), len(content), label, note, content if embed else "")


# ---------------------------------------------------------------- texts that ship with Python


@lru_cache(maxsize=1)
def help_texts() -> str:
    """The interpreter's help topics (what ``help('FORMATTING')`` prints), joined in a fixed order."""
    from pydoc_data.topics import topics

    return "\n\n".join(topics[name].strip("\n") for name in sorted(topics))


@lru_cache(maxsize=1)
def stdlib_source() -> str:
    """Source code of a fixed list of pure-Python standard-library modules, read as files (nothing is imported)."""
    folder = Path(sysconfig.get_paths()["stdlib"])
    parts, total = [], 0
    for name in STDLIB_MODULES:
        path = folder / f"{name}.py"
        if not path.is_file():
            continue
        code = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        parts.append(code)
        total += len(code)
        if total >= STDLIB_CHARACTERS:
            break
    return "\n\n".join(parts)[:STDLIB_CHARACTERS]


@lru_cache(maxsize=1)
def zen_of_python() -> str:
    """The Zen of Python, decoded from ``this.py``'s rot13 string without importing it (``import this`` prints the poem)."""
    import importlib.util

    spec = importlib.util.find_spec("this")
    source = Path(spec.origin).read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(getattr(target, "id", None) == "s" for target in node.targets):
            return codecs.decode(node.value.value, "rot13").strip() + "\n"
    raise ValueError("this.py holds no poem")


def _source_content(source: str) -> str:
    if source == "pydoc":
        return help_texts()
    if source == "stdlib":
        return stdlib_source()
    if source == "zen":
        return zen_of_python()
    if source == "sonnets":
        path = cache_folder() / SONNETS_FILE
        if not path.is_file():
            raise ValueError("the sonnets are not downloaded yet")
        return gutenberg_body(path.read_text(encoding="utf-8"))
    raise ValueError(f"unknown text source {source!r}; choose from {tuple(SOURCES)}")


def built_in(source: str) -> Text:
    if source not in BUILT_IN:
        raise ValueError(f"{source!r} is not a built-in text; choose from {BUILT_IN}")
    return _text(source, _source_content(source))


# ---------------------------------------------------------------- public-domain poetry, downloaded once


def cache_folder() -> Path:
    """Where downloaded texts are kept: Keras' data-set cache (``$KERAS_HOME/datasets``, else ``~/.keras/datasets``)."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def gutenberg_body(raw: str) -> str:
    """A Project Gutenberg file without its licence header and footer (between the START and END markers)."""
    text = raw.replace("\r\n", "\n").lstrip("\ufeff")
    start, end = text.find("*** START OF"), text.find("*** END OF")
    if start >= 0:
        text = text[text.find("\n", start) + 1 :]
        end = text.find("*** END OF")
    if end >= 0:
        text = text[:end]
    return text.strip() + "\n"


def download_sonnets(timeout: float = DOWNLOAD_TIMEOUT_S, opener=None, folder: Path | None = None) -> Path:
    """The cached sonnets file, downloading it first if needed (at most `timeout` seconds). Raises OSError or ValueError."""
    from dlcore.images import offline_forced

    folder = folder or cache_folder()
    path = folder / SONNETS_FILE
    if path.is_file():
        return path
    if offline_forced() and opener is None:
        raise OSError("downloads are switched off here (DLTEACH_OFFLINE)")
    opener = opener or urllib.request.urlopen
    with opener(SONNETS_URL, timeout=timeout) as response:
        raw = response.read(5_000_000).decode("utf-8", errors="replace")
    if len(gutenberg_body(raw)) < 10_000:
        raise ValueError("the download did not contain the sonnets")
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, delete=False, suffix=".part") as part:
        part.write(raw)
    os.replace(part.name, path)  # atomic: another session never reads half a file
    return path


_downloads: dict[Path, threading.Thread] = {}  # process-wide: one download per cache file at a time, shared by every session
_download_errors: dict[Path, str] = {}
_downloads_lock = threading.Lock()


def _download_in_background(timeout: float, opener, folder: Path) -> None:
    try:
        download_sonnets(timeout, opener, folder)
        _download_errors.pop(folder, None)
    except (OSError, ValueError) as error:
        _download_errors[folder] = str(error).splitlines()[0][:120] if str(error) else type(error).__name__


def sonnets_cached(folder: Path | None = None) -> bool:
    return ((folder or cache_folder()) / SONNETS_FILE).is_file()


def sonnets(timeout: float = DOWNLOAD_TIMEOUT_S, opener=None, folder: Path | None = None) -> Text:
    """The sonnets from the cache, downloading them first in a background thread (waiting at most `timeout` s).

    Offline, or when the download takes longer, the help texts with a one-line note
    (a slow download goes on in the background and is used next time).
    Call it before an experiment: workers only read the cache.
    """
    folder = folder or cache_folder()
    if not sonnets_cached(folder):
        with _downloads_lock:
            thread = _downloads.get(folder)
            if thread is None or not thread.is_alive():
                thread = threading.Thread(target=_download_in_background, args=(timeout, opener, folder), name="download-sonnets", daemon=True)
                _downloads[folder] = thread
                thread.start()
        thread.join(timeout)
    running = _downloads.get(folder)
    thread_running = not sonnets_cached(folder) and running is not None and running.is_alive()
    try:
        if thread_running:
            raise OSError("it goes on in the background and is used next time")
        if not sonnets_cached(folder):
            raise OSError(_download_errors.get(folder, "the file did not arrive"))
        body = gutenberg_body((folder / SONNETS_FILE).read_text(encoding="utf-8"))
        if folder != cache_folder():  # a test's own folder: the content travels with the Text
            return _text("sonnets", body, embed=True)
        return _text("sonnets", body)
    except (OSError, ValueError) as error:
        reason = str(error).splitlines()[0][:120] if str(error) else type(error).__name__
        verb = "finish downloading" if thread_running else "be downloaded"
        note = f"Shakespeare's sonnets could not {verb} within {timeout:g} s ({reason}), so this trains on Python's help texts instead."
        fallback = built_in(FALLBACK)
        return Text(fallback.source, fallback.digest, fallback.characters, fallback.label, note)


# ---------------------------------------------------------------- uploads


def read_upload(name: str, data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> Text:
    """An uploaded file as a Text, or UploadError saying exactly what is wrong with it."""
    shown = Path(name or "file").name[:80]
    if not shown.lower().endswith(".txt"):
        raise UploadError(f"“{shown}” is not a .txt file: upload plain text saved with the .txt extension.")
    if len(data) == 0:
        raise UploadError(f"“{shown}” is empty.")
    if len(data) > max_bytes:
        raise UploadError(f"“{shown}” is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:g} MB. Upload a shorter text.")
    if b"\x00" in data[:65536]:
        raise UploadError(f"“{shown}” looks like a binary file (it contains zero bytes), not text.")
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UploadError(f"“{shown}” is not UTF-8 text (byte 0x{data[error.start]:02x} at position {error.start:,} cannot be read). Save it as UTF-8 and upload it again.") from None
    content = content.replace("\r\n", "\n").replace("\r", "\n")
    controls = sum(1 for character in content if ord(character) < 32 and character not in "\n\t")
    if controls > 0.01 * len(content):
        raise UploadError(f"“{shown}” is mostly control characters, not readable text.")
    if len(content.strip()) < MIN_UPLOAD_CHARACTERS:
        raise UploadError(f"“{shown}” has {len(content.strip()):,} characters; a character model needs at least {MIN_UPLOAD_CHARACTERS}. Upload a longer text.")
    content, replaced = limit_vocabulary(content)
    note = f"{replaced:,} rare characters (beyond the {MAX_VOCABULARY} most frequent) became {RARE}." if replaced else None
    text = _text("upload", content, note, embed=True)
    return Text(text.source, text.digest, text.characters, f"your file “{shown}”", note, content)


def limit_vocabulary(content: str, size: int = MAX_VOCABULARY) -> tuple[str, int]:
    """The text with every character outside its `size` most frequent replaced by RARE, and how many were replaced."""
    counts = Counter(content)
    if len(counts) <= size:
        return content, 0
    kept = {character for character, _ in counts.most_common(size - 1)}
    replaced = sum(count for character, count in counts.items() if character not in kept)
    return "".join(character if character in kept else RARE for character in content), replaced


# ---------------------------------------------------------------- characters as numbers


def vocabulary_of(content: str) -> str:
    """The text's distinct characters in code-point order: character i is class i."""
    return "".join(sorted(set(content)))


def encode(content: str, vocabulary: str) -> np.ndarray:
    index = {character: i for i, character in enumerate(vocabulary)}
    return np.fromiter((index[character] for character in content), dtype=np.int32, count=len(content))


def unigram_entropy_bits(content: str) -> float:
    """The entropy of the text's character frequencies, in bits per character: what a model that knows only how often each character occurs achieves."""
    counts = np.array(list(Counter(content).values()), dtype=np.float64)
    shares = counts / counts.sum()
    return float(-(shares * np.log2(shares)).sum())


def shown_character(character: str) -> str:
    """A character as a label: space, newline and tab made visible."""
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(character, character)
