"""An open index's posting lists and per-document columns as numpy arrays, decoded once.

Whoosh's matchers walk postings one document at a time in Python, about
a microsecond a posting and more through every Union or Intersection
above it: most of a search went there. Scoring whole posting lists with
numpy (evaluate.py) needs them as arrays. ``IndexArrays`` decodes a
term's W3 blocks (the layout writer.py writes: a magic header, then per
block its length, a pickled info tuple and the pickled, maybe
zlib-compressed (delta ids, weights, values) tuple) across all segments
into global document numbers, and keeps the decoded lists of the terms
searched most recently, up to a memory budget: a term's list is decoded
once per opened reader, not once per search. Field lengths, the source
column and the live-document mask are read once per reader; a term's
BM25 scores, document frequencies and prefix expansions are kept with
its postings; and the stored fields of the documents shown most recently
are kept unpickled (a hit's stored fields cost ~25 microseconds to
decompress and unpickle, ten hits a quarter of a search).

One IndexArrays serves one generation of the index to every thread
(reader_cache.ReaderCache): it reads through a reader of its own, one
thread at a time, so memory is spent once. An update opens a new
generation and so starts with fresh arrays.
"""

from __future__ import annotations

import bisect
import io
import pickle
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Iterator, NamedTuple

import numpy as np
from rapidfuzz import process as fuzzy_matching
from rapidfuzz.distance import OSA
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

from ..cache_sizes import DOCUMENTS_KEPT, LOOKUPS_KEPT, POSTINGS_BUDGET_MB, VOCABULARY_TERMS_KEPT
from ..deadline import Deadline
from .compat import fast_paths

HEADER_MAGIC = b"W3Bl"  # WHOOSH3_HEADER_MAGIC: the start of a term's postings
ENTRY_BYTES = 200  # a kept entry's key and objects: absent terms, kept empty, count too
MAX_EXPANSION_KEPT = 4096  # terms kept of one prefix expansion (queries use far fewer)
# Terms read under the lock at a time by a scan of the vocabulary. Smaller
# chunks let other threads in sooner, and cost the scan a seek each. With
# four fuzzy queries scanning the 31k index, a simple search (1 ms alone)
# took 320 ms at 512, 110 ms at 128 and 70 ms at 64, while one fuzzy word
# took about 5% longer at 128 than at 512, and 15% longer at 64.
SCAN_CHUNK = 128
POSITION_MASK = (1 << 32) - 1  # the position part of a TermPositions key
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


@dataclass(frozen=True)
class TermArrays:
    """One term's postings over the whole index: sorted global doc numbers and their weights (frequencies)."""

    ids: np.ndarray  # int64, ascending, live documents only
    weights: np.ndarray  # float64, the W3 block's 32-bit weights widened as Whoosh does
    doc_frequency: int  # as reader.doc_frequency() counts it: deleted documents included

    @property
    def nbytes(self) -> int:
        return self.ids.nbytes + self.weights.nbytes


@dataclass(frozen=True)
class TermPositions:
    """The positions of each posting of a term, as keys ``document << 32 | position``, ascending.

    Those of posting i are ``keys[starts[i]:starts[i + 1]]``. A key holds
    its document, so two terms' keys compare across all documents at once:
    the second word of a phrase stands one key after the first.
    """

    keys: np.ndarray  # int64
    starts: np.ndarray  # int64, one more than there are postings

    @property
    def nbytes(self) -> int:
        return self.keys.nbytes + self.starts.nbytes

    def of(self, posting: int) -> list[int]:
        """The positions of posting number ``posting``."""
        return (self.keys[self.starts[posting]:self.starts[posting + 1]] & POSITION_MASK).tolist()


class PrefixTerms(NamedTuple):
    """A prefix's index terms in one field, most documents first: (term, document frequency) pairs, and
    how many terms start with it in all (more than the pairs when the pairs were cut at MAX_EXPANSION_KEPT)."""

    terms: tuple[tuple[str, int], ...]
    count: int


class DamagedPostingsError(Exception):
    """A term's postings are not where the term table says (a truncated or overwritten postings file)."""


_NO_IDS = np.zeros(0, dtype=np.int64)
EMPTY = TermArrays(_NO_IDS, np.zeros(0, dtype=np.float64), 0)


class IndexArrays:
    """Decoded postings, field lengths and columns of one open Whoosh reader (see the module docstring)."""

    def __init__(self, reader, budget_mb: float = POSTINGS_BUDGET_MB):
        self.reader = reader  # used by this object only, under its lock
        self.schema = reader.schema
        self.doc_count = reader.doc_count_all()
        self.segments = list(reader.leaf_readers())  # (SegmentReader, first global doc number)
        self.budget = budget_mb * 1024 * 1024
        self._lock = threading.RLock()  # one thread at a time reads the files and changes the caches
        self._documents: OrderedDict[int, dict] = OrderedDict()
        self._lookups: dict[tuple, object] = {}
        self._lookup_items = 0  # what the memo holds, counted as _lookup does
        self._vocabularies: OrderedDict[tuple[str, str], tuple[str, ...]] = OrderedDict()
        self._vocabulary_terms = 0
        self._terms: OrderedDict[tuple[str, str], TermArrays] = OrderedDict()
        self._positions: OrderedDict[tuple[str, str], tuple] = OrderedDict()
        self._scores: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._held = 0
        self._lengths: dict[str, np.ndarray] = {}
        self._sources: tuple[np.ndarray, list[str]] | None = None
        self._live: np.ndarray | None = None
        self._segment_starts = [offset for _, offset in self.segments]
        self._stored_columns: dict[int, VarBytesColumnFile] = {}

    # ----- documents ----------------------------------------------------

    def live(self) -> np.ndarray:
        """True for each document number that is not deleted."""
        with self._lock:
            if self._live is None:
                live = np.ones(self.doc_count, dtype=bool)
                for segment, offset in self.segments:
                    if segment.has_deletions():
                        deleted = np.fromiter(segment.deleted_docs_set, dtype=np.int64)
                        live[deleted + offset] = False
                self._live = live
            return self._live

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length of a field, as Whoosh's scorers see it (byte-coded, 1 when absent)."""
        with self._lock:
            lengths = self._lengths.get(fieldname)
            if lengths is None:
                if fast_paths():
                    coded = np.zeros(self.doc_count, dtype=np.uint8)
                    column = _lenfield(fieldname)  # W3's byte-coded length column of a field
                    for segment, offset in self.segments:
                        perdoc = segment._perdoc  # the segment's W3PerDocReader
                        if perdoc.has_column(column):
                            values = length_bytes(perdoc.column_reader(column, LENGTHS_COLUMN))
                            coded[offset:offset + len(values)] = values
                    lengths = _LENGTH_OF_BYTE[coded]
                    lengths[coded == 0] = 1.0  # doc_field_length(..., default=1) for a document without the field
                else:
                    lengths = np.ones(self.doc_count, dtype=np.float64)
                    for segment, offset in self.segments:
                        for docnum in range(segment.doc_count_all()):
                            # W3 answers None, not the default, for a document whose field is empty
                            lengths[offset + docnum] = segment.doc_field_length(docnum, fieldname, 1) or 1
                self._lengths[fieldname] = lengths
            return lengths

    def sources(self) -> tuple[np.ndarray, list[str]]:
        """Per document the number of its source in the returned list of names (-1: none)."""
        with self._lock:
            if self._sources is None:
                codes = np.full(self.doc_count, -1, dtype=np.int32)
                names: list[str] = []
                number: dict[str, int] = {}
                for segment, offset in self.segments:
                    if not segment.has_column("source"):
                        continue
                    if fast_paths():
                        values, local_codes = VarBytesColumnFile.of(segment._perdoc, "source").distinct()
                    else:
                        values, local_codes = _distinct(segment.column_reader("source", translate=False))
                    to_code = np.full(len(values), -1, dtype=np.int32)  # the segment's value number -> code
                    for local, value in enumerate(values):  # the column's bytes: the ID's UTF-8
                        name = value.decode("utf-8")
                        if name:
                            if name not in number:
                                number[name] = len(names)
                                names.append(name)
                            to_code[local] = number[name]
                    codes[offset:offset + len(local_codes)] = to_code[local_codes]
                self._sources = (codes, names)
            return self._sources

    def read_columns(self, fieldnames) -> None:
        """Read the live mask, the sources and the lengths of fieldnames now, not on the first search."""
        self.live()
        self.sources()
        for fieldname in fieldnames:
            self.lengths(fieldname)

    def stored_fields(self, docnum: int) -> dict:
        """A document's stored fields (reader.stored_fields), the most recently shown kept unpickled.

        Callers get the kept dict itself and must not change it.
        """
        with self._lock:
            fields = self._documents.get(docnum)
            if fields is None:
                fields = self._documents[docnum] = self._read_stored(docnum)
                if len(self._documents) > DOCUMENTS_KEPT:
                    self._documents.popitem(last=False)
            else:
                self._documents.move_to_end(docnum)
            return fields

    def _read_stored(self, docnum: int) -> dict:
        """reader.stored_fields(docnum); on the fast path without building Whoosh's column reader, whose
        start loops over every document of the segment in Python (5 ms a segment of 15,000)."""
        if not fast_paths():
            return self.reader.stored_fields(docnum)
        position = bisect.bisect_right(self._segment_starts, docnum) - 1
        segment, offset = self.segments[position]
        column = self._stored_columns.get(position)
        if column is None:
            column = self._stored_columns[position] = VarBytesColumnFile.of(segment._perdoc, "_stored")
        value = column.value(docnum - offset)
        return pickle.loads(zlib.decompress(value)) if value else {}  # W3's STORED_COLUMN: pickled, deflated

    # ----- term lookups (what plan and compile.py ask a reader) --------

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """reader.doc_frequency, memoised: each query word asks it for its clitic remainder."""
        return self._lookup(("df", fieldname, text), lambda: self.reader.doc_frequency(fieldname, text))

    def expand_prefix(self, fieldname: str, prefix: str) -> tuple[str, ...]:
        """The first MAX_EXPANSION_KEPT index terms starting with prefix, decoded, memoised (a merge over segments)."""
        def expand():
            terms = self.reader.expand_prefix(fieldname, prefix)
            return tuple(term.decode("utf-8") for term, _ in zip(terms, range(MAX_EXPANSION_KEPT)))
        return self._lookup(("prefix", fieldname, prefix), expand)

    def prefix_frequencies(self, fieldname: str, prefix: str) -> PrefixTerms:
        """The index terms starting with prefix, most documents first (the first MAX_EXPANSION_KEPT), and
        how many there are; memoised. Document frequencies count deleted documents, as doc_frequency does."""
        def count():
            frequencies = self._prefix_counts(fieldname, prefix)
            ranked = sorted(frequencies.items(), key=lambda item: (-item[1], item[0]))[:MAX_EXPANSION_KEPT]
            return PrefixTerms(tuple((btext.decode("utf-8"), frequency) for btext, frequency in ranked),
                               len(frequencies))
        return self._lookup(("frequencies", fieldname, prefix), count)

    def _prefix_counts(self, fieldname: str, prefix: str, deadline: Deadline | None = None) -> dict[bytes, int]:
        """Each term starting with prefix and its document frequency summed over the segments, read from
        the term tables under the lock a segment at a time (other threads' searches read in between)."""
        counts: dict[bytes, int] = {}
        for segment, _ in self.segments:
            if deadline is not None:
                deadline.check()
            with self._lock:
                for btext, frequency in segment_prefix_frequencies(segment, fieldname, prefix.encode("utf-8")):
                    counts[btext] = counts.get(btext, 0) + frequency
        return counts

    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int = 0, limit: int | None = None,
                     deadline: Deadline | None = None) -> list[str]:
        """The first ``limit`` (all: None) terms within maxdist edits of text sharing its first prefix
        letters, in term order.

        The terms Whoosh's MultiReader.terms_within gives (Damerau-Levenshtein
        in its optimal-string-alignment form over every term with the prefix,
        as distance.within measures it), whatever the number of segments.
        The comparison runs in rapidfuzz's C++ over the memoised vocabulary:
        distance.within in Python took a second and a half for one word
        against the 50k terms starting with ا; raises SearchStopped at the deadline.
        """
        if limit is not None and limit < 1:
            return []
        candidates = self.vocabulary(fieldname, text[:prefix], deadline)
        if deadline is not None:
            deadline.check()
        matched = fuzzy_matching.extract(text, candidates, scorer=OSA.distance, score_cutoff=maxdist, limit=None)
        return [candidates[at] for at in sorted(at for _, _, at in matched)][:limit]

    def vocabulary(self, fieldname: str, prefix: str, deadline: Deadline | None = None) -> tuple[str, ...]:
        """Every term of the field starting with prefix, in term order; the most recent kept, up to
        VOCABULARY_TERMS_KEPT terms in all (a fuzzy word of each first letter reads them once)."""
        key = (fieldname, prefix)
        with self._lock:
            if key in self._vocabularies:
                self._vocabularies.move_to_end(key)
                return self._vocabularies[key]
        found = self._prefix_counts(fieldname, prefix, deadline)
        terms = tuple(btext.decode("utf-8") for btext in sorted(found))  # UTF-8 byte order is code point order
        with self._lock:
            self._vocabularies[key] = terms
            self._vocabulary_terms += len(terms)
            while self._vocabulary_terms > VOCABULARY_TERMS_KEPT and len(self._vocabularies) > 1:
                _, dropped = self._vocabularies.popitem(last=False)
                self._vocabulary_terms -= len(dropped)
        return terms

    def prefixed_terms(self, fieldname: str, prefix: str, excluding: str | None = None,
                       deadline: Deadline | None = None) -> Iterator[str]:
        """The terms starting with prefix, in term order, except those starting with ``excluding`` (a longer prefix).

        Read SCAN_CHUNK terms at a time under the lock, so that a long scan
        (a fuzzy word, "did you mean") lets other threads' searches read
        meanwhile; raises SearchStopped at the deadline, checked at each chunk.
        """
        low = prefix.encode("utf-8")
        if excluding is None:
            yield from self._term_range(fieldname, low, low, None, deadline)
            return
        skipped = excluding.encode("utf-8")
        yield from self._term_range(fieldname, low, low, skipped, deadline)
        # Past every term starting with skipped: its last byte, plus one (a UTF-8 byte is never 0xFF).
        yield from self._term_range(fieldname, skipped[:-1] + bytes([skipped[-1] + 1]), low, None, deadline)

    def _term_range(self, fieldname: str, start: bytes, prefix: bytes, stop: bytes | None,
                    deadline: Deadline | None) -> Iterator[str]:
        """The terms from start (included) to stop (excluded) that start with prefix, decoded, a chunk at a time."""
        while True:
            if deadline is not None:
                deadline.check()
            chunk = []
            with self._lock:
                for name, btext in self.reader.terms_from(fieldname, start):
                    if name != fieldname or not btext.startswith(prefix) or (stop is not None and btext >= stop):
                        break
                    chunk.append(btext)
                    if len(chunk) == SCAN_CHUNK:
                        break
            for btext in chunk:
                yield btext.decode("utf-8")
            if len(chunk) < SCAN_CHUNK:
                return
            start = chunk[-1] + b"\x00"  # the least term after the last one read

    def _lookup(self, key: tuple, compute):
        """compute(), memoised; the memo holds at most LOOKUPS_KEPT items, each term of a prefix's
        expansion counted (counted as one entry, 65,536 expansions of up to MAX_EXPANSION_KEPT terms
        each could be kept)."""
        with self._lock:
            value = self._lookups.get(key)
            if value is None:
                value = compute()
                size = 1 + (len(value.terms) if isinstance(value, PrefixTerms) else
                            len(value) if isinstance(value, (tuple, list)) else 0)
                if self._lookup_items + size > LOOKUPS_KEPT:
                    self._lookups.clear()
                    self._lookup_items = 0
                self._lookups[key] = value
                self._lookup_items += size
            return value

    # ----- postings -----------------------------------------------------

    def term(self, fieldname: str, text: str) -> TermArrays:
        """The term's postings over every segment, deleted documents left out."""
        def decode() -> TermArrays:
            ids, weights, _, doc_frequency = self._decode(fieldname, text, with_values=False)
            return TermArrays(ids, weights, doc_frequency) if doc_frequency else EMPTY
        return self._kept(self._terms, (fieldname, text), decode)

    def scores(self, key: tuple, compute):
        """compute() (a term's documents and scores, with an nbytes), kept under key (the term and the
        scoring's parameters): a term's scores are fixed per generation."""
        return self._kept(self._scores, key, compute)

    def positions(self, fieldname: str, text: str) -> TermPositions:
        """The positions of each posting of term(fieldname, text), in the same order."""
        def decode() -> TermPositions:
            ids, _, values, _ = self._decode(fieldname, text, with_values=True)
            return decode_positions(ids, values)
        return self._kept(self._positions, (fieldname, text), decode)

    def forget(self) -> None:
        """Drop the decoded postings and documents (not the columns, read once per generation)."""
        with self._lock:
            self._terms.clear()
            self._positions.clear()
            self._scores.clear()
            self._documents.clear()
            self._lookups.clear()
            self._lookup_items = 0
            self._vocabularies.clear()
            self._vocabulary_terms = 0
            self._held = 0

    def _kept(self, cache: OrderedDict, key, compute):
        """cache[key], computed and kept on first use; past the budget, the least recently used entries
        of the cache holding most go."""
        with self._lock:
            value = cache.get(key)
            if value is not None:
                cache.move_to_end(key)
                return value
            value = cache[key] = compute()
            self._held += value.nbytes + ENTRY_BYTES
            caches = (self._terms, self._positions, self._scores)
            while self._held > self.budget and any(caches):
                _, dropped = max(caches, key=len).popitem(last=False)
                self._held -= dropped.nbytes + ENTRY_BYTES
            return value

    def _decode(self, fieldname: str, text: str, with_values: bool):
        """Global ids, weights and (optionally) values of one term, segment by segment."""
        nothing = (EMPTY.ids, EMPTY.weights, (), 0)
        field = self.schema[fieldname] if fieldname in self.schema else None
        if field is None:
            return nothing
        try:
            btext = field.to_bytes(text)
        except ValueError:
            return nothing
        id_parts, weight_parts, values = [], [], []
        doc_frequency = 0
        live = self.live()
        for segment, offset in self.segments:
            if (fieldname, btext) not in segment:
                continue
            info = segment.term_info(fieldname, btext)
            doc_frequency += info.doc_frequency()
            if not fast_paths():
                ids, weights, block_values = matched_postings(segment, fieldname, btext, with_values)
            elif info.is_inlined():
                ids, weights, block_values = info.inlined_postings()
                ids = np.asarray(ids, dtype=np.int64)
                weights = np.asarray(weights, dtype=np.float32).astype(np.float64)
                block_values = list(block_values)
            else:
                offset_in_file, length = info.extent()
                if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the unpacked 1-tuple
                    length = length[0]
                raw = segment._terms._postfile.get(offset_in_file, length)  # W3TermsReader's postings file
                ids, weights, block_values = decode_blocks(raw, with_values)
            ids = ids + offset
            keep = live[ids]
            if not keep.all():
                ids, weights = ids[keep], weights[keep]
                if with_values:
                    block_values = [v for v, k in zip(block_values, keep) if k]
            id_parts.append(ids)
            weight_parts.append(weights)
            values.extend(block_values)
        if not id_parts:
            return nothing
        ids = np.concatenate(id_parts) if len(id_parts) > 1 else id_parts[0]
        weights = np.concatenate(weight_parts) if len(weight_parts) > 1 else weight_parts[0]
        return ids, weights, values, doc_frequency


def length_bytes(reader) -> np.ndarray:
    """The bytes of a W3 length column (one per document, up to the last with the field) in one read.

    Whoosh's column iterator reads them one seek and read at a time: 100 ms
    for the 31,030-article index, the largest part of a first search.
    """
    return np.frombuffer(reader._dbfile.get(reader._basepos, reader._count * reader._fixedlen), dtype=np.uint8)


class VarBytesColumnFile:
    """A W3 segment's VarBytesColumn read from its file: the value lengths in one read, no per-document loop.

    The layout Whoosh 2.7.5's VarBytesColumn writes (compat.fast_paths
    guards it): the values end to end from the column's start, then the
    array of their lengths, big-endian, then (past 2**15 documents) the
    array of their offsets, then the arrays' type codes (an "X" last when
    there are offsets). Whoosh's reader derives the offsets in a Python
    loop over every document when it opens; here numpy does.
    """

    def __init__(self, file, start: int, length: int, count: int):
        """The column of ``count`` documents in ``file`` (a Whoosh StructFile), ``length`` bytes from ``start``."""
        self.file, self.start = file, start
        last = start + length - 1
        code = chr(self.file.get_byte(last))
        offsets = None
        if code == "X":
            code, offsets_code = chr(self.file.get_byte(last - 2)), chr(self.file.get_byte(last - 1))
            last -= 2 + count * np.dtype(offsets_code).itemsize
            offsets = self._array(last, offsets_code, count)
        self.lengths = self._array(last - count * np.dtype(code).itemsize, code, count)
        if offsets is None:
            offsets = np.zeros(count, dtype=np.int64)
            np.cumsum(self.lengths[:-1], out=offsets[1:])
        self.offsets = offsets

    @classmethod
    def of(cls, perdoc, name: str) -> VarBytesColumnFile:
        """The column ``name`` of a segment's W3PerDocReader (which keeps the file open, and closes it)."""
        if name not in perdoc._colfiles:
            perdoc._colfiles[name] = perdoc._get_column_file(name)
        file, start, length = perdoc._colfiles[name]
        return cls(file, start, length, perdoc.doc_count_all())

    def _array(self, position: int, code: str, count: int) -> np.ndarray:
        dtype = np.dtype(code).newbyteorder(">")  # an array typecode, written big-endian (StructFile.write_array)
        return np.frombuffer(self.file.get(position, count * dtype.itemsize), dtype=dtype).astype(np.int64)

    def value(self, docnum: int) -> bytes:
        """One document's value (b"" when it has none)."""
        length = int(self.lengths[docnum])
        return self.file.get(self.start + int(self.offsets[docnum]), length) if length else b""

    def distinct(self) -> tuple[list[bytes], np.ndarray]:
        """The distinct values, and per document the number of its value in that list.

        One read of the values; numpy finds where a value differs from the
        one before (articles of one source mostly come together: 174 runs
        in a segment of 15,773), and only each run's value is looked at.
        """
        lengths, offsets = self.lengths, self.offsets
        if not len(lengths):
            return [], np.zeros(0, dtype=np.int64)
        data = np.frombuffer(self.file.get(self.start, int(lengths.sum())), dtype=np.uint8)
        # Each byte against the same byte of the value before, if that value is as long (the first: any byte).
        previous = np.maximum(np.arange(len(data)) - np.repeat(lengths, lengths), 0)
        same_byte = data == data[previous]
        same = np.concatenate(([False], lengths[1:] == lengths[:-1]))
        filled = lengths > 0
        same[filled] &= np.logical_and.reduceat(same_byte, offsets[filled]) if filled.any() else True
        starts = np.flatnonzero(~same)
        number: dict[bytes, int] = {}
        run_codes = [number.setdefault(data[offsets[start]:offsets[start] + lengths[start]].tobytes(), len(number))
                     for start in starts]
        codes = np.repeat(np.asarray(run_codes, dtype=np.int64), np.diff(np.append(starts, len(lengths))))
        return list(number), codes


def _distinct(values) -> tuple[list, np.ndarray]:
    """Distinct values of an iterable, and per item the number of its value (VarBytesColumnFile.distinct off the fast path)."""
    number: dict = {}
    codes = np.fromiter((number.setdefault(value, len(number)) for value in values), dtype=np.int64)
    return list(number), codes


_ENTRY_LENGTHS = struct.Struct("!ii")  # an OrderedHashReader entry: key length, value length, then both
_TERM_DOC_FREQUENCY = struct.Struct("!I")  # W3TermInfo's packed "!BfIBBfII": the I at byte 5 is doc_frequency
_TERM_DOC_FREQUENCY_AT = 5
TERM_TABLE_READ = 1 << 16  # bytes of the term table read at a time by segment_prefix_frequencies


def segment_prefix_frequencies(segment, fieldname: str, prefix: bytes) -> Iterator[tuple[bytes, int]]:
    """(term, document frequency) of each term of a segment's field that starts with prefix, in term order.

    On the fast path, the W3 term table's entries are read TERM_TABLE_READ
    bytes at a time and parsed in memory (a term's frequency is four bytes
    of its packed info): Whoosh's iter_prefix seeks and reads the file
    three times a term and unpacks its whole info, 4x slower, and a
    3-letter prefix holds thousands of terms.
    """
    if fieldname not in segment.schema:
        return
    if not fast_paths():
        for btext, info in segment.iter_prefix(fieldname, prefix):
            yield btext, info.doc_frequency()
        return
    terms = segment._terms  # W3TermsReader: its keys are the field's number (2 bytes), then the term
    table = terms._tindex  # OrderedHashReader: entries end to end, in key order
    start = terms._keycoder(fieldname, prefix)
    position = table.closest_key_pos(start)
    if position is None:
        return
    end_of_data = table.endofdata
    while position < end_of_data:
        chunk = table.dbfile.get(position, min(TERM_TABLE_READ, end_of_data - position))
        at = 0
        while at + _ENTRY_LENGTHS.size <= len(chunk):
            key_length, value_length = _ENTRY_LENGTHS.unpack_from(chunk, at)
            key_at = at + _ENTRY_LENGTHS.size
            value_at = key_at + key_length
            if value_at + value_length > len(chunk):
                break  # the entry runs past the chunk: read again from it
            key = chunk[key_at:value_at]
            if not key.startswith(start):
                return
            yield key[2:], _TERM_DOC_FREQUENCY.unpack_from(chunk, value_at + _TERM_DOC_FREQUENCY_AT)[0]
            at = value_at + value_length
        if at == 0:  # one entry longer than a chunk (an inlined term's postings): read it alone
            key_length, value_length = _ENTRY_LENGTHS.unpack(table.dbfile.get(position, _ENTRY_LENGTHS.size))
            entry = table.dbfile.get(position, _ENTRY_LENGTHS.size + key_length + value_length)
            key = entry[_ENTRY_LENGTHS.size:_ENTRY_LENGTHS.size + key_length]
            if not key.startswith(start):
                return
            yield key[2:], _TERM_DOC_FREQUENCY.unpack_from(entry, _ENTRY_LENGTHS.size + key_length
                                                           + _TERM_DOC_FREQUENCY_AT)[0]
            at = len(entry)
        position += at


def matched_postings(segment, fieldname: str, btext: bytes, with_values: bool) -> tuple[np.ndarray, np.ndarray, list]:
    """Segment-local ids, weights and values of a term through Whoosh's own matcher (compat.fast_paths off)."""
    ids, weights, values = [], [], []
    matcher = segment.postings(fieldname, btext)
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if with_values:
            values.append(matcher.value())
        matcher.next()
    return (np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float32).astype(np.float64), values)


def decode_blocks(raw: bytes, with_values: bool) -> tuple[np.ndarray, np.ndarray, list]:
    """Segment-local ids, weights and values of a term's W3 posting blocks (raw: magic onwards)."""
    if raw[:4] != HEADER_MAGIC:
        raise DamagedPostingsError(f"not a W3 postings header: {raw[:4]!r}")
    ids_parts, weight_parts, values = [], [], []
    position = 4
    while True:
        length = int.from_bytes(raw[position:position + 4], "big", signed=True)
        last = length < 0
        length = abs(length)
        stream = io.BytesIO(raw[position + 4:position + 4 + length])
        count, _, _, compression, _, _ = pickle.load(stream)
        data = stream.read()
        if compression:
            data = zlib.decompress(data)
        deltas, weights, block_values = pickle.loads(data)
        ids_parts.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))  # a block's first delta is its first id
        if weights is None:
            weight_parts.append(np.ones(count, dtype=np.float64))
        elif isinstance(weights, float):
            weight_parts.append(np.full(count, np.float32(weights), dtype=np.float64))
        else:
            weight_parts.append(np.asarray(weights, dtype=np.float32).astype(np.float64))
        if with_values:
            values.extend(block_values)
        position += 4 + length
        if last:
            break
    ids = np.concatenate(ids_parts) if len(ids_parts) > 1 else ids_parts[0]
    weights = np.concatenate(weight_parts) if len(weight_parts) > 1 else weight_parts[0]
    return ids, weights, values


def decode_positions(ids: np.ndarray, values: list[bytes]) -> TermPositions:
    """Keys of the postings ids from their schema.PositionArray values (each its positions as 4-byte integers)."""
    counts = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) >> 2
    starts = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    positions = np.frombuffer(b"".join(values), dtype="<u4").astype(np.int64)
    return TermPositions((np.repeat(np.asarray(ids, dtype=np.int64), counts) << 32) | positions, starts)
