"""Whoosh writers that buffer postings per term: the same segment files, written faster.

Whoosh 2.7.5's SegmentWriter puts every posting into a pool as a
(field, term, docnum, weight, value) tuple, sorts all of them at commit
(spilling sorted runs to disk past ``limitmb``), then hands them one at a
time to the codec, which looks up each posting's document length in a
column file and buffers it for its block. For 31,030 news articles that
is ~10M postings, and the sort, the per-posting calls and the spill are
most of a build.

Documents arrive in docnum order, so each term's postings are already
sorted: TermPool files them under their term in one flat list, and only
the vocabulary is sorted at commit. write_postings then writes each term
as whole blocks, in W3's format: same blocks, same term table, same
order. Asked to compress every block as W3 does, it writes W3's very
bytes (tests/test_index_identity.py compares the segment files byte for
byte); by default it leaves tiny blocks uncompressed (MIN_COMPRESSED_BLOCK),
and store/index.py has it pickle blocks with protocol 3 (BYTES_PROTOCOL): the
same postings, read by the same W3 reader, in a third less space.
Any other codec, format or field setting falls back to Whoosh's own path.

Past ``limitmb`` the pool spills its terms to sorted run files, merged
term by term at commit, so a huge seed file costs bounded memory. The
full build gives each of its processes a budget its half of the corpus
fits in (see FULL_BUILD_WRITER in store/index.py and docs/benchmarks.md).
"""

from __future__ import annotations

import heapq
import math
import pickle
import queue
import signal
import struct
import zlib
from array import array
from hashlib import md5
from itertools import chain
from operator import sub
from pickle import dumps

from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3Codec, W3FieldWriter, W3TermInfo
from whoosh.filedb.filetables import OrderedHashWriter, md5_hash
from whoosh.formats import Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import emptybytes, pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import length_to_byte
from whoosh.writing import SegmentWriter

from ..analysis.tokenize import forget_positions
from .compat import fast_paths
from .schema import ArabicText, encode_single_position

PICKLE_PROTOCOL = 2  # what W3 pickles its blocks with
# Characters of a stored string from which store_long_fields streams it (and its chunk size).
LONG_STORED_TEXT = 1_000_000
# Protocol 2 pickles a bytes value (a posting's encoded positions) as a call
# to _codecs.encode on its latin-1 text: three times the pickling time of
# protocol 3, which writes bytes as bytes, and half again the bytes to
# compress. W3's reader unpickles either; the full build and updates use 3
# (store/index.py), and the same postings take a third less disk.
BYTES_PROTOCOL = 3
# W3 means to leave blocks under 20 bytes uncompressed but compresses every
# block (whoosh3.py _write_block overwrites its own test). Most terms occur
# in one or two documents, whose ~40-byte block zlib makes longer, and
# setting up zlib for it costs more than pickling it: such blocks are
# written as they are, flagged uncompressed, which W3's reader handles.
MIN_COMPRESSED_BLOCK = 256
ONE = 1.0
WORKER_POLL_SECONDS = 0.2  # how often a wait on a writer subprocess checks that it is still alive
_KEY_VALUE_LENGTHS = struct.Struct("!ii")  # before each term table entry (filetables._lengths)
_RUN_ENTRY_LENGTH = struct.Struct("<Q")  # before each pickled entry of a spilled run (TermPool.save)


class TermPool:
    """Postings grouped by field and term, in arrival (docnum) order, spilled to disk past a budget.

    Stands in for Whoosh's PostingPool inside a SegmentWriter: ``add``
    takes the same 5-tuples and ``iter_postings`` gives them back sorted;
    ``add_field`` files a whole field of a document at once. Each term
    keeps one flat list: docnum, weight, value, docnum, weight, value...

    Past ``limitmb`` (estimated: 40 bytes a posting, 250 a term) the pool
    writes its terms, sorted, to a run file in ``tempstore`` and starts
    afresh; at commit the runs and what is left in memory are merged term
    by term. A later run holds later documents, so a term's postings
    stay in docnum order when its pieces are joined in run order.
    """

    POSTING_BYTES = 40
    TERM_BYTES = 250

    def __init__(self, tempstore=None, limitmb: float = 128):
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.size = 0
        self.runs: list[str] = []
        self.fieldnames: set[str] = set()
        self.fields: dict[str, dict[bytes, list]] = {}  # field -> term bytes -> flat postings
        self.last_docnum: dict[str, int] = {}  # field -> highest docnum filed
        # A merge adds older segments' postings term by term after new documents:
        # still in docnum order within each term, but checked, and sorted at commit if not.
        self.unordered_fields: set[str] = set()
        self.unordered_terms: set[tuple[str, bytes]] = set()
        self._merged = None  # the sorted stream of (field, term, flat postings) being written

    def _terms(self, fieldname: str) -> dict[bytes, list]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
            if fieldname not in self.fieldnames:
                self.fieldnames.add(fieldname)
                self.last_docnum[fieldname] = -1
        return terms

    def add(self, item) -> None:
        fieldname, btext, docnum, weight, value = item
        terms = self._terms(fieldname)
        if docnum > self.last_docnum[fieldname]:
            self.last_docnum[fieldname] = docnum
        postings = terms.get(btext)
        if postings is None:
            terms[btext] = [docnum, weight, value]
            self.size += self.TERM_BYTES
        else:
            if docnum <= postings[-3]:
                self.unordered_terms.add((fieldname, btext))
            postings.extend((docnum, weight, value))
            self.size += self.POSTING_BYTES
        if self.size > self.limit:
            self.save()

    def add_positions(self, fieldname: str, docnum: int, positions: dict, field_format: Positions,
                      fieldboost: float) -> int:
        """File one document's postings of an ArabicText field from its term_positions(); return the field length.

        The postings add_field files for the field's index() (weight: count
        times both boosts, value: the encoded positions), without a tuple
        per term: this is the inner loop of every build.
        """
        terms = self._document_terms(fieldname, docnum)
        get = terms.get
        known = len(terms)
        field_boost = field_format.field_boost
        encode = field_format.encode
        single = encode_single_position
        once = 1.0 * field_boost * fieldboost  # the weight of a term that occurs once
        if once == 1.0:
            once = ONE
        for term, at in positions.items():
            btext = term.encode("utf-8")
            if len(at) == 1:
                weight, value = once, single(at[0])
            else:
                weight, value = float(len(at)) * field_boost * fieldboost, encode(at)
            postings = get(btext)
            if postings is None:
                terms[btext] = [docnum, weight, value]
            else:
                postings += (docnum, weight, value)
        self._grew(len(positions), len(terms) - known)
        return sum(map(len, positions.values()))

    def add_field(self, fieldname: str, docnum: int, items, fieldboost: float, scorable: bool) -> int:
        """File one document's postings of one field (field.index() items); return the field length."""
        terms = self._document_terms(fieldname, docnum)
        get = terms.get
        length = 0
        known = len(terms)
        count = 0
        for btext, frequency, weight, value in items:
            weight *= fieldboost  # always: it makes an int weight a float, as Whoosh's writer does
            if weight == 1.0:
                weight = ONE  # one shared float for the commonest weight: 24 bytes less per posting
            if scorable:
                length += frequency
            count += 1
            postings = get(btext)
            if postings is None:
                terms[btext] = [docnum, weight, value]
            else:
                postings.extend((docnum, weight, value))
        self._grew(count, len(terms) - known)
        return length

    def _document_terms(self, fieldname: str, docnum: int) -> dict[bytes, list]:
        """The field's terms, about to take all of docnum's postings (noting a document out of order)."""
        terms = self._terms(fieldname)
        if docnum <= self.last_docnum[fieldname]:
            self.unordered_fields.add(fieldname)
        self.last_docnum[fieldname] = max(docnum, self.last_docnum[fieldname])
        return terms

    def _grew(self, postings: int, new_terms: int) -> None:
        """Count what one document's postings added, and spill to a run file past the budget."""
        self.size += self.POSTING_BYTES * postings + self.TERM_BYTES * new_terms
        if self.size > self.limit:
            self.save()

    def save(self) -> None:
        """Write every term, sorted, to a new run file and empty the memory."""
        if self.tempstore is None or not self.fields:
            return
        path = "%s.terms" % random_name()
        with self.tempstore.create_file(path).raw_file() as run:
            for fieldname in sorted(self.fields):
                terms = self.fields[fieldname]
                for btext in sorted(terms):
                    entry = pickle.dumps((fieldname, btext, terms[btext]), pickle.HIGHEST_PROTOCOL)
                    run.write(_RUN_ENTRY_LENGTH.pack(len(entry)))
                    run.write(entry)
        self.runs.append(path)
        self.fields = {}
        self.size = 0

    def _read_run(self, path: str):
        """A run's entries one by one. Each was pickled on its own: one Unpickler over the whole file
        would keep every entry it read in its memo, the whole run in memory by the end of the merge."""
        with self.tempstore.open_file(path).raw_file() as run:
            while True:
                length = run.read(_RUN_ENTRY_LENGTH.size)
                if not length:
                    return
                yield pickle.loads(run.read(_RUN_ENTRY_LENGTH.unpack(length)[0]))

    def _in_memory(self):
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                yield fieldname, btext, terms[btext]

    def _stream(self):
        """(field, term, flat postings) of runs and memory, in (field, term) order, pieces joined."""
        if not self.runs:
            yield from self._in_memory()
            return
        sources = [self._read_run(path) for path in self.runs] + [self._in_memory()]
        merged = heapq.merge(*sources, key=lambda entry: (entry[0], entry[1]))  # ties: run order
        current = next(merged, None)
        for entry in merged:
            if entry[0] == current[0] and entry[1] == current[1]:
                current = (current[0], current[1], current[2] + entry[2])
            else:
                yield current
                current = entry
        if current is not None:
            yield current

    def terms(self, fieldname: str):
        """(term bytes, docnums, weights, values) of one field, terms in byte order, postings by docnum.

        Fields must be asked for in sorted order (as write_postings does).
        """
        if self._merged is None:
            self._merged = _Peekable(self._stream())
        check_all = fieldname in self.unordered_fields
        check_some = any(name == fieldname for name, _ in self.unordered_terms)
        while self._merged.peek() is not None and self._merged.peek()[0] <= fieldname:
            name, btext, postings = next(self._merged)
            if name != fieldname:
                continue  # a field nobody asked for
            docnums, weights, values = postings[0::3], postings[1::3], postings[2::3]
            if (check_all or check_some and (fieldname, btext) in self.unordered_terms) and any(
                    a >= b for a, b in zip(docnums, docnums[1:])):
                order = sorted(range(len(docnums)), key=lambda i: (docnums[i], weights[i], values[i] or b""))
                docnums = [docnums[i] for i in order]
                weights = [weights[i] for i in order]
                values = [values[i] for i in order]
            yield btext, docnums, weights, values

    def iter_postings(self):
        """Every posting as Whoosh's pool gives it: (field, term, docnum, weight, value), sorted."""
        for fieldname in sorted(self.fieldnames):
            for btext, docnums, weights, values in self.terms(fieldname):
                for docnum, weight, value in zip(docnums, weights, values):
                    yield fieldname, btext, docnum, weight, value

    def cleanup(self) -> None:
        self.fields = {}
        self._merged = None
        for path in self.runs:
            try:
                self.tempstore.delete_file(path)
            except OSError:
                pass
        self.runs = []


class _Peekable:
    def __init__(self, iterator):
        self.iterator = iterator
        self.head = next(iterator, None)

    def peek(self):
        return self.head

    def __iter__(self):
        return self

    def __next__(self):
        if self.head is None:
            raise StopIteration
        head, self.head = self.head, next(self.iterator, None)
        return head


def fast_path_possible(writer: SegmentWriter) -> bool:
    """True when write_postings reproduces what this writer's codec would write."""
    codec = writer.codec
    return (
        type(codec) is W3Codec
        and type(writer.fieldwriter) is W3FieldWriter
        and codec._inlinelimit <= 1  # W3 never inlines then (and its inlining path is broken)
        and not any(field.separate_spelling() for _, field in writer.schema.items())
    )


def write_postings(fieldwriter: W3FieldWriter, schema, lengths, pool: TermPool,
                   min_compressed: int = MIN_COMPRESSED_BLOCK, protocol: int = PICKLE_PROTOCOL) -> None:
    """Write the pool through a W3 field writer: W3PostingsWriter's blocks, W3FieldWriter's term table.

    Only blocks of at least ``min_compressed`` pickled bytes are compressed
    (each block says whether it is); ``min_compressed=0`` compresses every
    block, as W3 does, and then, with W3's pickle ``protocol`` (the
    default), every byte is the one W3 writes. ``protocol`` pickles each
    block's (ids, weights, values); see BYTES_PROTOCOL.
    """
    codec = fieldwriter._codec
    blocklimit, compression = codec._blocklimit, codec._compression
    postfile = fieldwriter._postfile
    post_write = postfile.file.write
    post_position = postfile.tell()
    terms_table = _TermTable(fieldwriter._tindex)
    for fieldname in sorted(pool.fieldnames):
        fieldobj = schema[fieldname]
        started = False
        for btext, docnums, weights, values in pool.terms(fieldname):
            if not started:  # as W3: a field without terms gets no number in the term table
                fieldwriter.start_field(fieldname, fieldobj)
                key_prefix = pack_ushort(fieldwriter._fieldid)
                fixed_size = fieldobj.format.fixed_value_size()
                doc_lengths = _doc_lengths(lengths, fieldname)
                started = True
            count = len(docnums)
            start_offset = post_position
            if count == 1:  # most terms: the same bytes as below, with less work
                docnum, weight, value = docnums[0], weights[0], values[0]
                weight32 = 1.0 if weight == 1.0 else array("f", (weight,))[0]
                length = doc_lengths[docnum] if doc_lengths else None
                minlength = length if length else None
                maxlength = length if length else 0
                maxweight = weight if weight > 0 else 0
                if fixed_size is None or fixed_size < 0:
                    mini_values = (value,) if value else ()
                else:
                    mini_values = None if fixed_size == 0 else (value or emptybytes)
                databytes = dumps(((docnum,), None if weight32 == 1.0 else weight32, mini_values), protocol)
                block_compression = compression if len(databytes) >= min_compressed else 0
                if block_compression:
                    databytes = zlib.compress(databytes, block_compression)
                infobytes = dumps((1, docnum, maxweight, block_compression, length_to_byte(minlength),
                                   length_to_byte(maxlength)), PICKLE_PROTOCOL)
                written = b"".join((WHOOSH3_HEADER_MAGIC, pack_int(-len(infobytes) - len(databytes)), infobytes,
                                    databytes))
                post_write(written)
                post_position += len(written)
                terms_table.add(key_prefix + btext, _terminfo_bytes(
                    0 + weight32, 1, minlength, maxlength, maxweight, docnum, docnum, start_offset, len(written)))
                continue
            total_weight = 0
            minlength = None
            maxlength = maxweight = 0
            chunks = [WHOOSH3_HEADER_MAGIC]
            for first in range(0, count, blocklimit):
                ids = docnums[first:first + blocklimit]
                block_weights = array("f", weights[first:first + blocklimit])  # W3 keeps 32-bit weights...
                top = max(weights[first:first + blocklimit])
                block_maxweight = top if top > 0 else 0  # ...but their maximum as given, from an int 0
                present = list(filter(None, map(doc_lengths.__getitem__, ids))) if doc_lengths else None
                block_minlength = min(present) if present else None
                block_maxlength = max(present) if present else 0
                # W3TermInfo.add_block
                total_weight += sum(block_weights)
                minlength = block_minlength if minlength is None else min(minlength, block_minlength)
                maxlength = max(maxlength, block_maxlength)
                maxweight = max(maxweight, block_maxweight)
                # W3PostingsWriter._write_block
                data = (tuple(_deltas(ids)), _mini_weights(block_weights),
                        _mini_values(values[first:first + blocklimit], fixed_size))
                databytes = dumps(data, protocol)
                block_compression = compression if len(databytes) >= min_compressed else 0
                if block_compression:
                    databytes = zlib.compress(databytes, block_compression)
                infobytes = dumps((len(ids), ids[-1], block_maxweight, block_compression,
                                   length_to_byte(block_minlength), length_to_byte(block_maxlength)),
                                  PICKLE_PROTOCOL)
                block_length = len(infobytes) + len(databytes)
                chunks.append(pack_int(-block_length if first + blocklimit >= count else block_length))
                chunks.append(infobytes)
                chunks.append(databytes)
            written = b"".join(chunks)
            post_write(written)
            post_position += len(written)
            terms_table.add(key_prefix + btext, _terminfo_bytes(
                total_weight, count, minlength, maxlength, maxweight, docnums[0], docnums[-1], start_offset,
                len(written)))
        if started:
            fieldwriter.finish_field()
    terms_table.finish()


def _terminfo_bytes(weight, df, minlength, maxlength, maxweight, minid, maxid, offset, length) -> bytes:
    """W3TermInfo.to_bytes() of a term whose postings are not inlined."""
    return (W3TermInfo._struct.pack(False, weight, df, 0 if minlength is None else length_to_byte(minlength),
                                    length_to_byte(maxlength), maxweight, minid, maxid)
            + pack_long(offset) + pack_int(length))


class _TermTable:
    """OrderedHashWriter.add (W3's term table, MD5-hashed), without its per-call checks and tell()."""

    def __init__(self, table):
        assert table.hashfn is md5_hash and isinstance(table, OrderedHashWriter)
        self.table = table
        self.write = table.dbfile.file.write
        self.position = table.dbfile.tell()
        self.index_append = table.index.append
        self.buckets = table.buckets
        self.lastkey = table.lastkey

    def add(self, key: bytes, value: bytes) -> None:
        if key <= self.lastkey:
            raise ValueError("Keys must increase: %r..%r" % (self.lastkey, key))
        position = self.position
        self.index_append(position)
        self.write(_KEY_VALUE_LENGTHS.pack(len(key), len(value)) + key + value)
        hashed = int.from_bytes(md5(key, usedforsecurity=False).digest()[-4:], "big")  # md5_hash(key)
        self.buckets[hashed & 255].append((hashed, position))
        self.position = position + _KEY_VALUE_LENGTHS.size + len(key) + len(value)
        self.lastkey = key

    def finish(self) -> None:
        self.table.lastkey = self.lastkey


def _doc_lengths(lengths, fieldname: str) -> list:
    """Per docnum, the length W3 records for a posting of this field (None when it records none)."""
    if lengths is None:
        return []
    return [lengths.doc_field_length(docnum, fieldname) or None for docnum in range(lengths.doc_count_all())]


def _deltas(ids: list):
    """Each id minus the one before it (the first minus 0), mapped in C."""
    return map(sub, ids, chain((0,), ids))


def _mini_weights(weights: array):
    if weights.count(1.0) == len(weights):
        return None
    first = weights[0]
    if weights.count(first) == len(weights):
        return first
    return tuple(weights)


def _mini_values(values: list, fixed_size):
    values = list(filter(None, values))  # W3 skips empty values
    if fixed_size is None or fixed_size < 0:
        return tuple(values)
    if fixed_size == 0:
        return None
    return emptybytes.join(values)


class MergeTiers:
    """A merge policy that writes each document a few times, not once per update, and keeps segments few.

    The policy it replaces merged every segment under 0.5% of the index
    into each new one: cheap at 31k articles, but the same small segment
    was rewritten by every update until it passed the share (5,000
    articles at a million), so 20 updates of 10 articles grew from 2 s to
    12 s each on a 10k index. Here segments are sorted into tiers by
    live size, a factor ``factor`` apart (1-4 documents, 5-24, 25-124 ...,
    at the default 5), and a tier merges only once ``factor`` segments
    are in it or below, the new one counted: a document is then rewritten
    about log5(N) times over any number of updates, as in Lucene's
    LogMergePolicy. Then, while more than ``limit`` segments would remain,
    the smallest merge too (a bound for searches, which pay per segment).
    Merging also drops a segment's deleted documents, so a segment is
    sized by its live ones.
    """

    def __init__(self, limit: int, factor: int = 5, new_segments: int = 1):
        self.limit = limit
        self.factor = factor
        self.new_segments = new_segments  # segments the commit adds: 1, or one per process and the merge

    def tier(self, documents: int) -> int:
        return math.floor(math.log(max(documents, 1), self.factor))

    def __call__(self, writer, segments):
        from whoosh.reading import SegmentReader

        def merge(segment):
            reader = SegmentReader(writer.storage, writer.schema, segment)
            writer.add_reader(reader)
            reader.close()

        remaining = sorted(segments, key=lambda segment: segment.doc_count())
        new_documents = getattr(writer, "docnum", 0)  # what the new segment holds so far
        while True:
            tier = self.tier(new_documents)
            joining = [segment for segment in remaining if self.tier(segment.doc_count()) <= tier]
            if len(joining) + 1 < self.factor:
                break
            for segment in joining:
                merge(segment)
                remaining.remove(segment)
            new_documents = writer.docnum
        while remaining and len(remaining) + self.new_segments > self.limit:
            merge(remaining.pop(0))
        kept = {id(segment) for segment in remaining}
        return [segment for segment in segments if id(segment) in kept]


class BufferedSegmentWriter(SegmentWriter):
    """A SegmentWriter whose postings go to a TermPool and out through write_postings.

    Takes SegmentWriter's arguments; ``limitmb`` is TermPool's memory budget,
    ``max_segments`` (if given) bounds the segments a commit leaves (MergeTiers),
    ``min_compressed`` and ``protocol`` go to write_postings.
    """

    def __init__(self, ix, min_compressed: int = MIN_COMPRESSED_BLOCK, limitmb: float = 128,
                 max_segments: int | None = None, protocol: int = PICKLE_PROTOCOL, **kwargs):
        super().__init__(ix, limitmb=limitmb, **kwargs)
        self.min_compressed = min_compressed
        self.protocol = protocol
        if max_segments:
            self.mergetype = MergeTiers(max_segments)  # commit() without a mergetype uses it
        self.fast = fast_path_possible(self)
        if self.fast:
            self.pool.cleanup()
            self.pool = TermPool(self._tempstorage, limitmb)

    def add_document(self, **fields):
        """SegmentWriter.add_document, filing each field's postings in one call (no spelling fields here)."""
        if not self.fast:
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    fieldboost = self._field_boost(fields, fieldname, docboost)
                    if isinstance(field, ArabicText) and isinstance(value, str):
                        length = self.pool.add_positions(fieldname, docnum, field.term_positions(value),
                                                         field.format, fieldboost)
                    else:
                        length = self.pool.add_field(fieldname, docnum, field.index(value), fieldboost,
                                                     field.scorable)
                vformat = field.vector
                if vformat:
                    vitems = vformat.word_values(value, field.analyzer, mode="index")
                    vitems = sorted((text, weight, vbytes) for text, _, weight, vbytes in vitems)
                    perdocwriter.add_vector_items(fieldname, field, vitems)
                customval = fields.get("_stored_%s" % fieldname, value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None, length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        forget_positions()  # before the stored fields are pickled: a long text's positions go first
        store_long_fields(perdocwriter)
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        if not self.fast:
            return super()._flush_segment()
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        try:
            write_postings(self.fieldwriter, self.schema, lengths, self.pool, self.min_compressed, self.protocol)
            self.fieldwriter.close()
        finally:
            if lengths:
                lengths.close()


def store_long_fields(perdocwriter) -> None:
    """File the stored fields of a document with a long text, pickled and compressed a chunk at a time.

    W3 pickles a document's stored fields whole, then compresses them: for
    a 50 MB body that is the text's UTF-8 bytes cached on the string, the
    pickle and the compressed copy, all at once. Here the same pickle goes
    through the compressor as it is made (pickle_fields_to), which W3's
    reader reads like any other. Documents of ordinary length are left to
    finish_doc.
    """
    fields = perdocwriter._storedfields
    if not fields or not any(isinstance(value, str) and len(value) >= LONG_STORED_TEXT for value in fields.values()):
        return
    column = perdocwriter._get_column("_stored")._child  # a CompressedBytesColumn's writer, in a PickleColumn's
    column.fill(perdocwriter._docnum)
    compressed = _CompressedFile(column._dbfile, column._level)
    pickle_fields_to(fields, compressed)
    length = compressed.close()
    # What VarBytesColumn.Writer.add records of a value it wrote itself.
    column._lengths.append(length)
    column._offsets.append(column._offset_base)
    column._offset_base += length
    column._count = perdocwriter._docnum + 1
    fields.clear()  # finish_doc then files nothing more


def pickle_fields_to(fields: dict, file) -> None:
    """Write pickle.dumps(fields, 2) to file, encoding each long string a chunk at a time.

    The pickle is assembled from the pickles of its keys and values: a
    dict's protocol 2 pickle is EMPTY_DICT, then key, value and SETITEM
    for each item. A long string is written as BINUNICODE, its length in
    UTF-8 bytes, then its bytes. Memo slots (BINPUT/BINGET) of the parts
    may repeat: each part only reads the slots it wrote itself.
    """
    file.write(pickle.PROTO + b"\x02" + pickle.EMPTY_DICT)
    for item in fields.items():
        for part in item:
            if isinstance(part, str) and len(part) >= LONG_STORED_TEXT:
                chunks = range(0, len(part), LONG_STORED_TEXT)
                size = sum(len(part[start:start + LONG_STORED_TEXT].encode("utf-8", "surrogatepass")) for start in chunks)
                file.write(pickle.BINUNICODE + struct.pack("<I", size))
                for start in chunks:
                    file.write(part[start:start + LONG_STORED_TEXT].encode("utf-8", "surrogatepass"))
            else:
                file.write(dumps(part, 2)[2:-1])  # without PROTO 2 and STOP
        file.write(pickle.SETITEM)
    file.write(pickle.STOP)


class _CompressedFile:
    """A write-only file whose bytes are deflated into another as they arrive, as CompressedBytesColumn deflates."""

    def __init__(self, file, level: int):
        self._file = file
        self._compressor = zlib.compressobj(level)
        self.written = 0  # compressed bytes

    def write(self, data: bytes) -> int:
        self._put(self._compressor.compress(data))
        return len(data)

    def close(self) -> int:
        """End the compressed stream; the number of bytes it took."""
        self._put(self._compressor.flush())
        return self.written

    def _put(self, compressed: bytes) -> None:
        self._file.write(compressed)
        self.written += len(compressed)


class WriterProcessError(RuntimeError):
    """A writer process died or failed: the documents it was given are in no segment, so nothing may commit."""


class _BufferedSubWriterTask(SubWriterTask):
    """Whoosh's indexing subprocess, writing its own segment with a BufferedSegmentWriter.

    It reports on the result queue either way: ("done", fieldnames,
    segment), or ("failed", reason, None) for an error of its own (a full
    disk), so the parent can fail the whole update with that one line
    instead of the child printing a traceback. Ctrl-C reaches every
    process of the group: only the parent acts on it (it cancels, and
    stops the children).
    """

    def run(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the parent for the fork
        try:
            ix = self.storage.open_index(self.indexname)
            writer = self.writer = BufferedSegmentWriter(ix, _lk=False, **self.kwargs)
            while (jobinfo := self.jobqueue.get()) is not None:
                self._process_file(*jobinfo)
            if writer._added:
                segment = writer._finalize_segment()
            else:  # started with the writer but given no job: no segment to list (its files are cleaned up)
                writer._close_segment()
                segment = None
            self.resultqueue.put(("done", writer.pool.fieldnames, segment))
        except Exception as error:
            self.resultqueue.put(("failed", _reason(error), None))
            raise SystemExit(1) from None  # multiprocessing flushes the queue before the process ends


class ParallelWriter(MpWriter):
    """Whoosh's MpWriter with multisegment=True and BufferedSegmentWriters in its subprocesses.

    Each subprocess writes one segment of the documents it was given;
    the segments are listed side by side (no merge at commit). Deletions
    and merges of older segments happen in this process, as in Whoosh's
    SegmentWriter; ``max_segments`` bounds the segments a commit leaves,
    counting one new segment per process and one for what merges.

    Whoosh's own commit passes over a subprocess whose result never
    comes, and waits without bound on a queue nobody reads any more: a
    killed (out of memory) or failed (full disk) subprocess lost its
    documents silently, or hung the update. Here every wait on a
    subprocess polls whether it is still alive, and any subprocess that
    did not deliver its segment fails the commit with WriterProcessError.
    """

    def __init__(self, ix, procs=2, max_segments: int | None = None, **kwargs):
        kwargs["multisegment"] = True
        super().__init__(ix, procs=procs, **kwargs)
        if max_segments:
            self.mergetype = MergeTiers(max_segments, new_segments=procs + 1)
        # Forked now, from a process that holds no document yet: forked later
        # (MpWriter starts them with the first jobs) each child would begin
        # with a copy of the parent's memory, a 50 MB article and its pickle.
        while len(self.tasks) < self.procs:
            self._new_task()

    def _new_task(self):
        task = _BufferedSubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                                      self.subargs, True)
        task.daemon = True  # never outlives this process, even one that exits without commit or cancel
        self.tasks.append(task)
        # Forked with SIGINT blocked, so a Ctrl-C before the child ignores it cannot raise there.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            task.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return task

    def _enqueue(self):
        """MpWriter._enqueue: the buffered documents to a job file, its name to a subprocess."""
        filename = "%s.doclist" % random_name()
        with self.temp_storage().create_file(filename).raw_file() as file:
            for item in self.docbuffer:
                pickle.dump(item, file, 2)
        self._put((filename, len(self.docbuffer)))
        self.docbuffer = []

    def _put(self, job) -> None:
        """Put a job (or the None that ends a subprocess) on the queue, failing if a subprocess has died."""
        while True:
            self._check_running()
            try:
                self.jobqueue.put(job, timeout=WORKER_POLL_SECONDS)
                return
            except queue.Full:
                continue

    def _check_running(self) -> None:
        """Raise WriterProcessError if a subprocess ended before it was told to finish."""
        for task in self.tasks:
            if task.exitcode is not None:
                raise WriterProcessError(self._failure(task))

    def _failure(self, task) -> str:
        """Why a subprocess ended without delivering: its own report if it sent one, else how it ended."""
        try:
            status, reason, _ = self.resultqueue.get(timeout=WORKER_POLL_SECONDS)
            if status == "failed":
                return f"a writer process failed: {reason}"
        except queue.Empty:
            pass
        if task.exitcode is not None and task.exitcode < 0:
            return f"a writer process was killed (signal {-task.exitcode})"
        return f"a writer process ended early (exit code {task.exitcode})"

    def _segments_of_tasks(self) -> list:
        """Each subprocess's segment; WriterProcessError as soon as one fails or dies without one."""
        segments = []
        while len(segments) < len(self.tasks):
            try:
                status, detail, segment = self.resultqueue.get(timeout=WORKER_POLL_SECONDS)
            except queue.Empty:
                ended = [task for task in self.tasks if task.exitcode is not None]
                if len(ended) > len(segments):  # more have ended than delivered: one never will
                    try:
                        status, detail, segment = self.resultqueue.get(timeout=1.0)
                    except queue.Empty:
                        dead = next((task for task in ended if task.exitcode), ended[-1])
                        raise WriterProcessError(self._failure(dead)) from None
                else:
                    continue
            if status != "done":
                raise WriterProcessError(f"a writer process failed: {detail}")
            segments.append(segment)
        return segments

    def commit(self, mergetype=None, optimize=None, merge=None):
        """Always the parallel commit: MpWriter's plain one (nothing added, say only deletions) leaves the subprocesses waiting."""
        self._check_state()
        self._commit(mergetype, optimize, merge)

    def _commit(self, mergetype, optimize, merge):
        """MpWriter._commit for multisegment: the subprocesses' segments listed beside this one's."""
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put(None)
        finalsegments = self._merge_segments(mergetype, optimize, merge)
        finalsegments += [segment for segment in self._segments_of_tasks() if segment is not None]
        for task in self.tasks:
            task.join(timeout=WORKER_POLL_SECONDS * 10)  # each ends right after its segment
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self):
        """Stop the subprocesses (MpWriter only flags its own copies of them), then cancel.

        Jobs still queued for them are dropped: otherwise the queue's feeder
        thread, which exit waits for, would wait forever to hand them to a
        pipe nobody reads any more.
        """
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(timeout=WORKER_POLL_SECONDS * 10)
            if task.is_alive():
                task.kill()
                task.join(timeout=WORKER_POLL_SECONDS * 10)
        for waiting in (self.jobqueue, self.resultqueue):
            waiting.cancel_join_thread()
        SegmentWriter.cancel(self)


def _reason(error: BaseException) -> str:
    """An error as one line: an OSError's message and file, else its type and text."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return f"{type(error).__name__}: {error}"


def abandon(writer) -> None:
    """Cancel a writer after a failure, whatever state the failure left it in.

    cancel() raises on a writer that a failed commit half-closed; the
    caller removes the files either way, so nothing here may hide the
    first error.
    """
    try:
        writer.cancel()
    except Exception:
        pass


def open_writer(ix, procs: int = 1, **kwargs):
    """A writer for ix: ParallelWriter when procs > 1, else BufferedSegmentWriter.

    Takes the keyword arguments of ``ix.writer()`` (procs, limitmb, compound, ...).
    With a Whoosh these writers were not written for (compat.fast_paths),
    Whoosh's own SegmentWriter, in one process: Whoosh's MpWriter merges
    its processes' segments with field lengths decoded from their one-byte
    codes, which moves BM25's average lengths (1.6% for bodies) and so
    every score.
    """
    if not fast_paths():
        for own in ("protocol", "min_compressed", "max_segments", "multisegment"):
            kwargs.pop(own, None)
        return ix.writer(**kwargs)
    if procs > 1:
        kwargs.pop("multisegment", None)
        return ParallelWriter(ix, procs=procs, **kwargs)
    kwargs.pop("multisegment", None)
    return BufferedSegmentWriter(ix, **kwargs)
