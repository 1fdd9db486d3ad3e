"""Array values and their codecs (and int2vector/oidvector), built per element type.

Values. An empty array is `()`. A one-dimensional array is a plain tuple of element
values (None for NULL): the common case, and as cheap as a tuple can be. An array of
two or more dimensions is an `MDArray`, a tuple subclass whose items are its sub-arrays
one dimension down (`MDArray` again, or plain tuples for the last dimension), all of
one shape and none empty: `ARRAY[[1,2],[3,4]]` is `MDArray(((1, 2), (3, 4)))`. Code
tells the two apart by `type(v) is MDArray`, never by looking at the items (the
elements of an int2vector[] are plain tuples, and records are tuples too). Lower
bounds are always 1 (0 for the vectors): bounds given in text or binary input are
checked against the contents and dropped.

Text form is PostgreSQL's `{{1,2},{3,NULL}}` with `"a b"` quoting; binary form is
ndim, has-null flag, element OID, (length, lower bound) per dimension, then the
elements in row-major order, each length-prefixed (-1 for NULL).

The shape helpers (`ndims`, `dims`, `flatten`, `stack`, `concat`, `subscript`,
`slice_array`, ...) are what the functions and operators on arrays build on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from borealis.core import errors
from borealis.sql.types._common import INT32, PG_SPACE, UINT32, bad_binary

MAXDIM = 6
_QUOTE_TRIGGERS = frozenset('{},"\\' + PG_SPACE)
_SPACE = frozenset(PG_SPACE)


class MDArray(tuple):
    """An array of two or more dimensions: the tuple of its sub-arrays (see the module
    doc). Equal to another MDArray of the same shape and elements, never to an array of
    another shape. Ordered against other arrays as PostgreSQL orders arrays (elements
    first, NULLs last, then size and shape; the type registry's sort key also applies
    the element type's own order)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"MDArray({tuple.__repr__(self)})"

    def __lt__(self, other: Any) -> bool:
        return _order_key(self) < _order_key(other) if isinstance(other, tuple) else NotImplemented

    def __le__(self, other: Any) -> bool:
        return _order_key(self) <= _order_key(other) if isinstance(other, tuple) else NotImplemented

    def __gt__(self, other: Any) -> bool:
        return _order_key(self) > _order_key(other) if isinstance(other, tuple) else NotImplemented

    def __ge__(self, other: Any) -> bool:
        return _order_key(self) >= _order_key(other) if isinstance(other, tuple) else NotImplemented


def _order_key(v: tuple) -> tuple:
    key = tuple((1,) if e is None else (0, e) for e in flatten(v))
    if type(v) is MDArray:
        shape = dims(v)
        key += ((-1, len(shape), shape),)
    return key


# -- shape helpers ------------------------------------------------------------------------


def ndims(v: tuple) -> int:
    """Number of dimensions: 0 for the empty array."""
    n = 0
    while type(v) is MDArray:
        n += 1
        v = v[0]
    return n + 1 if v else n


def dims(v: tuple) -> tuple[int, ...]:
    """The length of each dimension (() for the empty array)."""
    out = []
    while type(v) is MDArray:
        out.append(len(v))
        v = v[0]
    if v:
        out.append(len(v))
    return tuple(out)


def flatten(v: tuple) -> tuple:
    """The elements in row-major order (the array itself when one-dimensional)."""
    if type(v) is not MDArray:
        return v
    out: list[Any] = []
    _flatten_into(v, out)
    return tuple(out)


def _flatten_into(v: MDArray, out: list) -> None:
    if type(v[0]) is MDArray:
        for sub in v:
            _flatten_into(sub, out)
    else:
        for sub in v:
            out.extend(sub)


def cardinality(v: tuple) -> int:
    """The total number of elements."""
    if type(v) is not MDArray:
        return len(v)
    n = 1
    for d in dims(v):
        n *= d
    return n


def from_flat(items: Sequence, shape: Sequence[int]) -> tuple:
    """The array of `shape` holding `items` in row-major order."""
    if not items or not shape:
        return ()
    if len(shape) == 1:
        return tuple(items)
    return _build(items, 0, tuple(shape))


def _build(items: Sequence, start: int, shape: tuple[int, ...]) -> tuple:
    if len(shape) == 1:
        return tuple(items[start : start + shape[0]])
    step = 1
    for d in shape[1:]:
        step *= d
    return MDArray(_build(items, start + k * step, shape[1:]) for k in range(shape[0]))


def map_elements(v: tuple, fn: Callable[[Any], Any]) -> tuple:
    """`v` with `fn` applied to every non-NULL element, shape kept."""
    if type(v) is MDArray:
        return MDArray(map_elements(sub, fn) for sub in v)
    return tuple(None if e is None else fn(e) for e in v)


def map_all(v: tuple, fn: Callable[[Any], Any]) -> tuple:
    """`v` with `fn` applied to every element, NULLs included, shape kept."""
    if type(v) is MDArray:
        return MDArray(map_all(sub, fn) for sub in v)
    return tuple(fn(e) for e in v)


def _too_many_dims(n: int) -> errors.BorealisError:
    return errors.ProgramLimitExceeded(
        what=f"number of array dimensions ({n}) exceeds the maximum allowed ({MAXDIM})")


def stack(subs: Sequence[tuple | None]) -> tuple:
    """`ARRAY[a, b, ...]` whose items are arrays: one more dimension. NULL and empty
    items count as empty; all empty gives `{}`; otherwise the shapes must match."""
    shape = None
    empty = False
    for s in subs:
        if not s:
            empty = True
            continue
        d = dims(s)
        if shape is None:
            shape = d
        elif d != shape:
            empty = True
            break
    if shape is None:
        return ()
    if empty:
        raise errors.ArraySubscriptError(
            what="multidimensional arrays must have array expressions with matching dimensions")
    if len(shape) + 1 > MAXDIM:
        raise _too_many_dims(len(shape) + 1)
    return MDArray(subs)  # type: ignore[arg-type]


def accumulate(subs: Sequence[tuple | None]) -> tuple:
    """array_agg over arrays: the inputs stacked along a new first dimension."""
    shape = None
    for s in subs:
        if s is None:
            raise errors.NullValueNotAllowed(what="cannot accumulate null arrays")
        if not s:
            raise errors.ArraySubscriptError(what="cannot accumulate empty arrays")
        d = dims(s)
        if shape is None:
            shape = d
        elif d != shape:
            raise errors.ArraySubscriptError(
                what="cannot accumulate arrays of different dimensionality")
    if shape is None:
        return ()
    if len(shape) + 1 > MAXDIM:
        raise _too_many_dims(len(shape) + 1)
    return MDArray(subs)  # type: ignore[arg-type]


def _incompatible(detail: str) -> errors.BorealisError:
    return errors.ArraySubscriptError(what="cannot concatenate incompatible arrays",
                                      detail=detail)


def concat(x: tuple, y: tuple) -> tuple:
    """array_cat / `array || array` (neither NULL): equal dimensionality joins along the
    first dimension; an array of one dimension less is added as a new first/last item."""
    if not x:
        return y
    if not y:
        return x
    if type(x) is not MDArray and type(y) is not MDArray:
        return x + y
    nx, ny = ndims(x), ndims(y)
    dx, dy = dims(x), dims(y)
    if nx == ny:
        if dx[1:] != dy[1:]:
            raise _incompatible(
                "Arrays with differing element dimensions are not compatible for concatenation.")
        return MDArray(x + y)
    if nx == ny - 1:
        if dx != dy[1:]:
            raise _incompatible(
                "Arrays with differing dimensions are not compatible for concatenation.")
        return MDArray((x, *y))
    if nx - 1 == ny:
        if dx[1:] != dy:
            raise _incompatible(
                "Arrays with differing dimensions are not compatible for concatenation.")
        return MDArray((*x, y))
    raise _incompatible(
        f"Arrays of {nx} and {ny} dimensions are not compatible for concatenation.")


def one_dimensional(v: tuple) -> tuple:
    """`v` if it is empty or one-dimensional (array_append, array_prepend), else 22000."""
    if type(v) is MDArray:
        raise errors.DataException(what="argument must be empty or one-dimensional array")
    return v


def subscript(v: tuple, indexes: Sequence[int], low: int = 1) -> Any:
    """`v[i][j]...`: the element, or NULL when out of range or when the number of
    subscripts is not the number of dimensions."""
    if not v or len(indexes) != ndims(v):
        return None
    for i in indexes:
        k = i - low
        if k < 0 or k >= len(v):
            return None
        v = v[k]
    return v


def slice_array(v: tuple, bounds: Sequence[tuple[int | None, int | None]],
                low: int = 1) -> tuple:
    """`v[a:b][c:d]...`: bounds clamped to the array, omitted ones (None) and missing
    dimensions taking the whole range; `{}` when any range is empty or there are more
    subscripts than dimensions."""
    shape = dims(v)
    if not shape or len(bounds) > len(shape):
        return ()
    ranges = []
    for (lo, hi), n in zip(bounds, shape):
        start = max(low if lo is None else lo, low) - low
        stop = min(low + n - 1 if hi is None else hi, low + n - 1) - low + 1
        if start >= stop:
            return ()
        ranges.append((start, stop))
    return _slice(v, ranges)


def _slice(v: tuple, ranges: list[tuple[int, int]]) -> tuple:
    start, stop = ranges[0]
    part = v[start:stop]
    if type(v) is not MDArray:
        return tuple(part)
    if len(ranges) > 1:
        return MDArray(_slice(sub, ranges[1:]) for sub in part)
    return MDArray(part)


# -- text form ----------------------------------------------------------------------------


def _malformed(s: str, detail: str) -> errors.BorealisError:
    return errors.InvalidTextRepresentation(f'malformed array literal: "{s}"', detail=detail)


def quote_element(text: str) -> str:
    """An element's text as array_out writes it: quoted when it has to be."""
    if text and not (len(text) == 4 and text.lower() == "null") and _QUOTE_TRIGGERS.isdisjoint(
        text
    ):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _skip_space(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _SPACE:
        i += 1
    return i


def _dimensions(s: str, i: int) -> tuple[list[int] | None, int]:
    """An optional '[lo:hi][lo:hi]=' decoration: (the lengths it gives, next index)."""
    if i >= len(s) or s[i] != "[":
        return None, i
    lengths: list[int] = []
    while i < len(s) and s[i] == "[":
        close = s.find("]", i)
        if close < 0:
            raise _malformed(s, 'Missing "]" after array dimensions.')
        bounds = s[i + 1 : close].split(":")
        if not 1 <= len(bounds) <= 2 or not all(b.strip(PG_SPACE).lstrip("+-").isdigit()
                                                   for b in bounds):
            raise _malformed(s, '"[" must introduce explicitly-specified array dimensions.')
        lo, hi = (1, int(bounds[0])) if len(bounds) == 1 else (int(bounds[0]), int(bounds[1]))
        if hi < lo:
            raise _malformed(s, "Upper bound cannot be less than lower bound.")
        lengths.append(hi - lo + 1)
        if len(lengths) > MAXDIM:
            raise _too_many_dims(len(lengths))
        i = _skip_space(s, close + 1)
    if i >= len(s) or s[i] != "=":
        raise _malformed(s, 'Missing "=" after array dimensions.')
    return lengths, _skip_space(s, i + 1)


def _quoted(s: str, i: int) -> tuple[str, int]:
    """Read a quoted element starting after its opening quote."""
    out: list[str] = []
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            i += 1
            if i >= n:
                break
            c = s[i]
        out.append(c)
        i += 1
    raise _malformed(s, "Unexpected end of input.")


def _unquoted(s: str, i: int) -> tuple[str | None, int]:
    """Read an unquoted element up to ',' or '}'; None for NULL."""
    out: list[str] = []
    n = len(s)
    escaped = False
    keep = 0  # length of out up to the last escaped or non-space character
    while i < n:
        c = s[i]
        if c in ",}":
            break
        if c in '{"':
            raise _malformed(s, f'Unexpected "{c}" character.')
        if c == "\\":
            i += 1
            if i >= n:
                raise _malformed(s, "Unexpected end of input.")
            out.append(s[i])
            escaped = True
            keep = len(out)
        else:
            out.append(c)
            if c not in _SPACE:
                keep = len(out)
        i += 1
    text = "".join(out[:keep])
    if not text and not escaped:
        raise _malformed(s, f'Unexpected "{s[i] if i < n else "end of input"}" character.')
    if not escaped and len(text) == 4 and text.lower() == "null":
        return None, i
    return text, i


def _braces(s: str, i: int, depth: int) -> tuple[list, int]:
    """One `{...}` level starting at s[i] == '{': its items, element texts (None for
    NULL) or nested lists, and the index after its '}'."""
    if depth > MAXDIM:
        raise _too_many_dims(depth)
    items: list = []
    nested: bool | None = None
    i = _skip_space(s, i + 1)
    if i < len(s) and s[i] == "}":
        if depth > 1:
            raise _malformed(s, 'Unexpected "}" character.')
        return items, i + 1
    while True:
        i = _skip_space(s, i)
        if i >= len(s):
            raise _malformed(s, "Unexpected end of input.")
        if s[i] == "{":
            if nested is False:
                raise _malformed(s, 'Unexpected "{" character.')
            nested = True
            item, i = _braces(s, i, depth + 1)
        else:
            if nested:
                raise _malformed(s, "Unexpected array element.")
            nested = False
            if s[i] == '"':
                item, i = _quoted(s, i + 1)
            else:
                item, i = _unquoted(s, i)
        items.append(item)
        i = _skip_space(s, i)
        if i >= len(s):
            raise _malformed(s, "Unexpected end of input.")
        if s[i] == "}":
            return items, i + 1
        if s[i] != ",":
            raise _malformed(s, f'Unexpected "{s[i]}" character.')
        i += 1


def _shape(s: str, node: list) -> tuple[int, ...]:
    if not node or not isinstance(node[0], list):
        return (len(node),) if node else ()
    first = _shape(s, node[0])
    for sub in node[1:]:
        if _shape(s, sub) != first:
            raise _malformed(
                s, "Multidimensional arrays must have sub-arrays with matching dimensions.")
    return (len(node), *first)


def parse_array_text(s: str) -> tuple[list, tuple[int, ...]]:
    """(element texts in row-major order, None for NULL; the dimensions) of an array
    literal."""
    lengths, i = _dimensions(s, _skip_space(s, 0))
    if i >= len(s) or s[i] != "{":
        raise _malformed(s, 'Array value must start with "{" or dimension information.')
    tree, i = _braces(s, i, 1)
    if _skip_space(s, i) != len(s):
        raise _malformed(s, "Junk after closing right brace.")
    shape = _shape(s, tree)
    if lengths is not None and tuple(lengths) != shape:
        raise _malformed(s, "Specified array dimensions do not match array contents.")
    if len(shape) <= 1:
        return tree, shape
    flat: list = []
    stack_: list = [tree]
    while stack_:  # row-major flattening without recursion
        node = stack_.pop()
        if node and isinstance(node[0], list):
            stack_.extend(reversed(node))
        else:
            flat.extend(node)
    return flat, shape


# -- codecs -------------------------------------------------------------------------------


def array_codecs(
    elem_oid: int,
    elem_in: Callable[[str, int], Any],
    elem_out: Callable[[Any], str],
    elem_recv: Callable[[bytes, int], Any],
    elem_send: Callable[[Any], bytes],
    elem_typmod: Callable[[Any, int, bool], Any],
    never_quote: bool = False,
    lower_bound: int = 1,
):
    """(text_in, text_out, binary_in, binary_out, apply_typmod) for arrays of a type.

    `never_quote` skips the quoting check for element types whose text never needs
    quotes (numbers, booleans, uuids, dates).
    """

    def text_in(s: str, typmod: int = -1) -> tuple:
        texts, shape = parse_array_text(s)
        items = [None if t is None else elem_in(t, typmod) for t in texts]
        return tuple(items) if len(shape) <= 1 else from_flat(items, shape)

    if never_quote:

        def flat_out(v: tuple) -> str:
            return "{" + ",".join("NULL" if e is None else elem_out(e) for e in v) + "}"

    else:

        def flat_out(v: tuple) -> str:
            return "{" + ",".join(
                "NULL" if e is None else quote_element(elem_out(e)) for e in v) + "}"

    def text_out(v: tuple) -> str:
        if type(v) is MDArray:
            return "{" + ",".join(map(text_out, v)) + "}"
        return flat_out(v)

    def binary_out(v: tuple) -> bytes:
        flat = flatten(v)
        shape = dims(v)
        head = INT32.pack(len(shape)) + INT32.pack(1 if None in flat else 0) + UINT32.pack(
            elem_oid)
        parts = [head]
        for n in shape:
            parts.append(INT32.pack(n))
            parts.append(INT32.pack(lower_bound))
        for e in flat:
            if e is None:
                parts.append(b"\xff\xff\xff\xff")
            else:
                data = elem_send(e)
                parts.append(INT32.pack(len(data)))
                parts.append(data)
        return b"".join(parts)

    def binary_in(data: bytes, typmod: int = -1) -> tuple:
        return _array_recv(data, typmod, elem_oid, elem_recv)

    def apply_typmod(v: tuple, typmod: int, explicit: bool = False) -> tuple:
        if typmod < 0:
            return v
        return map_elements(v, lambda e: elem_typmod(e, typmod, explicit))

    return text_in, text_out, binary_in, binary_out, apply_typmod


def _array_recv(data: bytes, typmod: int, elem_oid: int, elem_recv) -> tuple:
    if len(data) < 12:
        raise bad_binary()
    ndim, flags = INT32.unpack_from(data, 0)[0], INT32.unpack_from(data, 4)[0]
    got_oid = UINT32.unpack_from(data, 8)[0]
    if ndim < 0 or ndim > MAXDIM:
        raise bad_binary(f"invalid number of dimensions: {ndim}")
    if flags not in (0, 1):
        raise bad_binary("invalid array flags")
    if got_oid != elem_oid:
        raise errors.DatatypeMismatch(
            what=f"binary data has array element type {got_oid} instead of expected {elem_oid}"
        )
    pos = 12 + 8 * ndim
    if len(data) < pos:
        raise bad_binary()
    shape = [INT32.unpack_from(data, 12 + 8 * k)[0] for k in range(ndim)]
    if any(n < 0 for n in shape):
        raise bad_binary("invalid array dimensions")
    count = 1
    for n in shape:
        count *= n
    if count > len(data):  # every element takes at least its 4-byte length
        raise bad_binary("array size exceeds the maximum allowed")
    out = []
    for _ in range(count if ndim else 0):
        if pos + 4 > len(data):
            raise bad_binary()
        size = INT32.unpack_from(data, pos)[0]
        pos += 4
        if size == -1:
            out.append(None)
            continue
        if size < 0 or pos + size > len(data):
            raise bad_binary()
        out.append(elem_recv(data[pos : pos + size], typmod))
        pos += size
    if pos != len(data):
        raise bad_binary()
    return from_flat(out, shape) if ndim > 1 else tuple(out)


def vector_codecs(elem_oid: int, elem_in, elem_send, elem_recv):
    """int2vector/oidvector: space-separated text, array binary format with lbound 0."""

    def text_in(s: str, typmod: int = -1) -> tuple:
        return tuple(elem_in(t) for t in s.split())

    def text_out(v: tuple) -> str:
        return " ".join(map(str, v))

    _, _, binary_in, binary_out, _ = array_codecs(
        elem_oid, elem_in, str, elem_recv, elem_send, lambda v, t, e=False: v,
        never_quote=True, lower_bound=0)
    return text_in, text_out, binary_in, binary_out
