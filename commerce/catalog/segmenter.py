"""jieba's Chinese word segmentation with its dictionary in a compact trie (issue 14: search rebuild memory).

jieba keeps its dictionary as a Python dict of every word *and every prefix of every word* (~590,000 str keys
with int values): about 70 MB in each process that segments text (the web process that searches, and
`rebuild_search`). `CompactTokenizer` is jieba's own Tokenizer with that dict replaced by a MARISA trie of the
words whose frequency is above zero (prefixes are not stored: the trie answers "which words start here") and
an array of their frequencies, about 5 MB together. The segmentation is jieba's, unchanged: the same DAG of
candidate words, the same route by the same frequencies, the same HMM for unknown words
(tests/commerce/catalog/test_segmenter.py compares both on the catalog's text).

The trie is built once from jieba's dictionary file (a second or two) and cached in the temp folder beside
jieba's own cache, named by the dictionary's size and mtime, then memory-mapped by every process.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from array import array
from collections.abc import Iterator
from functools import lru_cache
from math import log

import jieba
import marisa_trie

logger = logging.getLogger(__name__)


class CompactFrequencies:
    """The part of a dict jieba's Tokenizer uses (`get`, `in`, `[]`), over the trie and the frequency array."""

    __slots__ = ("trie", "freqs")

    def __init__(self, trie: marisa_trie.Trie, freqs: array) -> None:
        self.trie, self.freqs = trie, freqs

    def get(self, word: str, default: int | None = None) -> int | None:
        key = self.trie.get(word)
        return default if key is None else self.freqs[key]

    def __contains__(self, word: str) -> bool:
        return word in self.trie

    def __getitem__(self, word: str) -> int:
        return self.freqs[self.trie[word]]

    def __len__(self) -> int:
        return len(self.freqs)

    def __setitem__(self, word: str, freq: int) -> None:
        raise TypeError("CompactTokenizer's dictionary is read-only (add_word/load_userdict are not supported)")


#: The cache files' layout: the frequency file starts with the total and the longest word's length.
FORMAT = 2


def _cache_paths(dictionary: str) -> tuple[str, str]:
    stat = os.stat(dictionary)
    stem = os.path.join(tempfile.gettempdir(), f"meihao-jieba-{FORMAT}-{stat.st_size}-{int(stat.st_mtime)}")
    return stem + ".marisa", stem + ".freq"


def _build(dictionary: str, trie_path: str, freq_path: str) -> None:
    words: dict[str, int] = {}
    total = 0
    with open(dictionary, "rb") as lines:
        for line in lines:
            word, freq = line.strip().decode("utf-8").split(" ")[:2]
            words[word] = int(freq)  # as in jieba.Tokenizer.gen_pfdict: a later line wins, every line counts
            total += int(freq)
    trie = marisa_trie.Trie([word for word, freq in words.items() if freq])
    freqs = array("q", bytes(8 * len(trie)))
    for word, key in trie.iteritems():
        freqs[key] = words[word]
    suffix = f".{os.getpid()}.{threading.get_ident()}.tmp"
    trie.save(trie_path + suffix)
    with open(freq_path + suffix, "wb") as out:
        array("q", [total, max((len(word) for word, freq in words.items() if freq), default=1)]).tofile(out)
        freqs.tofile(out)
    os.replace(trie_path + suffix, trie_path)  # the freq file last: its presence says both are whole
    os.replace(freq_path + suffix, freq_path)


class CompactTokenizer(jieba.Tokenizer):
    """jieba.Tokenizer on the default dictionary, its word frequencies in a trie (see the module text).

    `tokenize` remembers the cut of recent short blocks (the runs of Han characters, letters and digits that
    jieba cuts one by one, e.g. 华为手机, 8GB+128GB, 高清大屏): product text repeats them from SKU to SKU,
    and a rebuild would otherwise segment each again. The cut of a text is the cuts of its blocks one after
    the other, so the result is jieba's, unchanged.
    """

    #: Blocks longer than this are cut every time (they rarely repeat); the memory is bounded by both.
    MAX_CACHED_BLOCK = 32
    CACHED_BLOCKS = 4096

    def __init__(self, dictionary=jieba.DEFAULT_DICT) -> None:  # noqa: ANN001 - jieba's signature
        super().__init__(dictionary)
        self._block_tokens = lru_cache(maxsize=self.CACHED_BLOCKS)(self._tokenize_block)

    def _tokenize_block(self, block: str, mode: str, hmm: bool) -> tuple[tuple[str, int, int], ...]:
        return tuple(super().tokenize(block, mode=mode, HMM=hmm))

    def tokenize(
        self, unicode_sentence: str, mode: str = "default", HMM: bool = True
    ) -> Iterator[tuple[str, int, int]]:  # noqa: N803
        """jieba's (word, start, end) tuples, block by block (jieba's own split), short blocks from memory."""
        if not isinstance(unicode_sentence, str):
            raise ValueError("jieba: the input parameter should be unicode.")
        offset = 0
        for block in jieba.re_han_default.split(unicode_sentence):
            if not block:
                continue
            if len(block) <= self.MAX_CACHED_BLOCK:
                tokens = self._block_tokens(block, mode, HMM)
            else:
                tokens = super().tokenize(block, mode=mode, HMM=HMM)
            for word, start, end in tokens:
                yield word, offset + start, offset + end
            offset += len(block)

    def initialize(self, dictionary=None) -> None:
        if self.initialized:
            return
        with self.lock:
            if self.initialized:
                return
            path = os.path.join(os.path.dirname(os.path.abspath(jieba.__file__)), jieba.DEFAULT_DICT_NAME)
            trie_path, freq_path = _cache_paths(path)
            if not os.path.exists(freq_path):
                logger.info("Building the compact jieba dictionary at %s", trie_path)
                _build(path, trie_path, freq_path)
            trie = marisa_trie.Trie()
            trie.mmap(trie_path)
            freqs = array("q")
            with open(freq_path, "rb") as data:
                freqs.frombytes(data.read())
            self.total, self.max_word_length = freqs.pop(0), freqs.pop(0)
            self.FREQ = CompactFrequencies(trie, freqs)
            self.log_freqs = array("d", map(log, freqs))
            self.initialized = True

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict) -> None:  # noqa: N803 - jieba's name
        """jieba's route (the most probable cut, by log frequency, backwards), with the trie's lookups inlined."""
        get, log_freqs = self.FREQ.trie.get, self.log_freqs
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(self.total)
        for idx in range(n - 1, -1, -1):
            best = None
            for x in DAG[idx]:
                key = get(sentence[idx : x + 1])
                candidate = ((0.0 if key is None else log_freqs[key]) - logtotal + route[x + 1][0], x)
                if best is None or candidate > best:
                    best = candidate
            route[idx] = best

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        """jieba's DAG (for each start, the ends of the dictionary words starting there, else the start itself),
        from the trie's prefixes instead of a walk through a dict of every prefix."""
        self.check_initialized()
        prefixes = self.FREQ.trie.prefixes
        width = self.max_word_length
        dag: dict[int, list[int]] = {}
        for k in range(len(sentence)):
            ends = [k + len(word) - 1 for word in prefixes(sentence[k : k + width])]
            dag[k] = ends or [k]
        return dag

    def add_word(self, word, freq=None, tag=None):  # noqa: ANN001, ANN201 - jieba's signature
        raise TypeError("CompactTokenizer's dictionary is read-only")

    def del_word(self, word):  # noqa: ANN001, ANN201
        raise TypeError("CompactTokenizer's dictionary is read-only")


#: The shop's segmenter (jieba's default dictionary); loads on first use.
segmenter = CompactTokenizer()
