"""OData query options of list requests: ``$filter``, ``$select``, ``$expand``, ``$orderby``,
``$top``/``$skip``/``$count``, ``Prefer: odata.maxpagesize`` and the ``$skiptoken`` of nextLinks.

Everything here is pure: it parses what a request asks for (raising
``exceptions.bad_request`` for anything it does not understand) and says how to answer it. ``$filter``
compiles to SQL for the store and to a Python predicate for nested filters (``$expand``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlencode

from ocm_tool.emulator.api.exceptions import ApiProblem, bad_request

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
EXTENDED = "SingleValueExtendedProperties"
#: Options a list understands; any other ``$`` option is refused.
LIST_OPTIONS = frozenset(
    {"$top", "$skip", "$count", "$orderby", "$select", "$filter", "$expand", "$skiptoken"}
)
#: Options a single item understands.
ITEM_OPTIONS = frozenset({"$select", "$expand"})
ORDER_PROPERTY = "LastModifiedDateTime"


# -- $filter --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compare:
    """``<path> eq|ne '<value>'`` (``value`` ``None`` for ``null``); ``path`` splits ``A/B``."""

    path: tuple[str, ...]
    op: Literal["eq", "ne"]
    value: str | None


@dataclass(frozen=True)
class Junction:
    """``<left> and|or <right>``."""

    op: Literal["and", "or"]
    left: Expr
    right: Expr


Expr = Compare | Junction

_TOKEN = re.compile(
    r"\s*(?:(?P<paren>[()])|'(?P<string>(?:[^']|'')*)'|(?P<word>[A-Za-z_][A-Za-z0-9_]*(?:/[A-Za-z_][A-Za-z0-9_]*)*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise bad_request(f"Invalid $filter: cannot read {text[position : position + 20]!r}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        tokens.append((kind, value.replace("''", "'") if kind == "string" else value))
        position = match.end()
    return tokens


class _FilterParser:
    """Recursive descent: ``or`` binds looser than ``and``; parentheses group."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Expr:
        expr = self._or()
        if self.at != len(self.tokens):
            raise self._error("unexpected", self.tokens[self.at][1])
        return expr

    def _peek_word(self) -> str | None:
        if self.at < len(self.tokens) and self.tokens[self.at][0] == "word":
            return self.tokens[self.at][1].lower()
        return None

    def _or(self) -> Expr:
        expr = self._and()
        while self._peek_word() == "or":
            self.at += 1
            expr = Junction("or", expr, self._and())
        return expr

    def _and(self) -> Expr:
        expr = self._primary()
        while self._peek_word() == "and":
            self.at += 1
            expr = Junction("and", expr, self._primary())
        return expr

    def _take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise self._error("unexpected end", "")
        token = self.tokens[self.at]
        self.at += 1
        return token

    def _primary(self) -> Expr:
        kind, value = self._take()
        if kind == "paren" and value == "(":
            expr = self._or()
            if self._take() != ("paren", ")"):
                raise self._error("missing", ")")
            return expr
        if kind != "word" or value.lower() in ("and", "or", "eq", "ne", "null", "not"):
            raise self._error("expected a property name, found", value)
        op_kind, op = self._take()
        if op_kind != "word" or op.lower() not in ("eq", "ne"):
            raise self._error("only eq and ne are supported, found", op)
        literal_kind, literal = self._take()
        if literal_kind == "string":
            return Compare(tuple(value.split("/")), op.lower(), literal)  # type: ignore[arg-type]
        if literal_kind == "word" and literal.lower() == "null":
            return Compare(tuple(value.split("/")), op.lower(), None)  # type: ignore[arg-type]
        raise self._error("only string literals and null can be compared, found", literal)

    def _error(self, what: str, near: str) -> ApiProblem:
        return bad_request(f"Invalid $filter {self.text!r}: {what} {near!r}".rstrip())


def parse_filter(text: str) -> Expr:
    """Parse a ``$filter``: ``eq``/``ne`` on properties against string literals or ``null``,
    joined by ``and``/``or``, with parentheses; ``''`` inside a literal is one quote."""
    if not text.strip():
        raise bad_request("Invalid $filter: empty")
    return _FilterParser(text).parse()


#: Maps a property path to an SQL expression and its parameters.
ColumnResolver = Callable[[tuple[str, ...]], tuple[str, list]]


def json_column(column: str = "body") -> ColumnResolver:
    """Resolve any property to ``json_extract`` of a JSON text column."""
    return lambda path: (f"json_extract({column}, ?)", ["$." + ".".join(f'"{p}"' for p in path)])


def columns(mapping: Mapping[str, str], fallback: ColumnResolver | None = None) -> ColumnResolver:
    """Resolve the properties of ``mapping`` to real columns, others by ``fallback`` (or NULL)."""

    def resolve(path: tuple[str, ...]) -> tuple[str, list]:
        if len(path) == 1 and path[0] in mapping:
            return mapping[path[0]], []
        return fallback(path) if fallback else ("NULL", [])

    return resolve


def compile_sql(expr: Expr, resolve: ColumnResolver) -> tuple[str, list]:
    """``expr`` as an SQL condition and its parameters. ``ne`` is null-safe (a missing
    property is "not equal"); ``eq`` with a value uses ``=`` so that indexes apply."""
    if isinstance(expr, Junction):
        left, left_params = compile_sql(expr.left, resolve)
        right, right_params = compile_sql(expr.right, resolve)
        return f"({left} {expr.op.upper()} {right})", left_params + right_params
    column, params = resolve(expr.path)
    if expr.value is None:
        return f"{column} IS {'NOT ' if expr.op == 'ne' else ''}NULL", params
    if expr.op == "eq":
        return f"{column} = ?", [*params, expr.value]
    return f"{column} IS NOT ?", [*params, expr.value]


def matches(expr: Expr, record: Mapping) -> bool:
    """Evaluate ``expr`` on a JSON object (the same semantics as ``compile_sql``)."""
    if isinstance(expr, Junction):
        if expr.op == "and":
            return matches(expr.left, record) and matches(expr.right, record)
        return matches(expr.left, record) or matches(expr.right, record)
    value: object = record
    for name in expr.path:
        value = value.get(name) if isinstance(value, Mapping) else None
    return (value == expr.value) == (expr.op == "eq")


# -- $select, $expand, $orderby ---------------------------------------------------------------


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_select(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(","))
    for name in names:
        if not _NAME.match(name):
            raise bad_request(f"Invalid $select: {name!r} is not a property name")
    return names


@dataclass(frozen=True)
class Expand:
    """``$expand=SingleValueExtendedProperties[($filter=...)]``."""

    filter: Expr | None = None

    def pick(self, properties: Iterable[dict]) -> list[dict]:
        return [p for p in properties if self.filter is None or matches(self.filter, p)]


_EXPAND = re.compile(
    r"\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<options>.*)\))?\s*\Z", re.DOTALL
)


def parse_expand(text: str | None) -> Expand | None:
    if text is None:
        return None
    match = _EXPAND.match(text)
    if match is None or match.group("name").lower() != EXTENDED.lower():
        raise bad_request(f"Invalid $expand {text!r}: only {EXTENDED} can be expanded")
    options = match.group("options")
    if options is None or not options.strip():
        return Expand()
    name, _, value = options.partition("=")
    if name.strip() != "$filter":
        raise bad_request(f"Invalid $expand {text!r}: only a nested $filter is supported")
    return Expand(parse_filter(value))


def parse_orderby(text: str | None) -> bool:
    """``True`` for descending. Only ``LastModifiedDateTime [asc|desc]`` is supported."""
    if text is None:
        return False
    parts = text.split()
    if (
        not parts
        or parts[0] != ORDER_PROPERTY
        or len(parts) > 2
        or (len(parts) == 2 and parts[1] not in ("asc", "desc"))
    ):
        raise bad_request(
            f"Invalid $orderby {text!r}: only '{ORDER_PROPERTY} asc|desc' is supported"
        )
    return len(parts) == 2 and parts[1] == "desc"


# -- paging ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SkipToken:
    """Where a nextLink chain stands: the tenant it belongs to, its snapshot (highest ``seq``
    it lists), the key of the last item served, and the total sent on its first page."""

    generation: str
    snapshot: int
    after: tuple[str, str]
    count: int | None = None

    def encode(self) -> str:
        raw = json.dumps(
            [self.generation, self.snapshot, *self.after, self.count], separators=(",", ":")
        )
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @staticmethod
    def decode(text: str) -> SkipToken:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            generation, snapshot, time, item_id, count = json.loads(raw)
            if not (
                isinstance(snapshot, int)
                and isinstance(time, str)
                and isinstance(item_id, str)
                and (count is None or isinstance(count, int))
            ):
                raise ValueError
            return SkipToken(str(generation), snapshot, (time, item_id), count)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise bad_request("Invalid $skiptoken: follow @odata.nextLink verbatim") from None


def _non_negative(name: str, text: str | None) -> int | None:
    if text is None:
        return None
    if not text.strip().isdigit():
        raise bad_request(f"Invalid {name} {text!r}: a non-negative integer is expected")
    return int(text)


def max_page_size_preference(prefer: str | None) -> int | None:
    """``N`` of ``Prefer: odata.maxpagesize=N`` (other preferences ignored)."""
    for preference in (prefer or "").split(","):
        name, _, value = preference.strip().partition("=")
        if name.strip().lower() == "odata.maxpagesize":
            return _non_negative("odata.maxpagesize", value.strip().strip('"'))
    return None


@dataclass(frozen=True)
class ListQuery:
    """What a list request asks for. ``page_size`` is ``$top`` or the ``Prefer`` size (the
    smaller when both), else ``DEFAULT_PAGE_SIZE``, at most ``MAX_PAGE_SIZE``."""

    page_size: int
    skip: int = 0
    count: bool = False
    descending: bool = False
    select: tuple[str, ...] | None = None
    filter: Expr | None = None
    expand: Expand | None = None
    skiptoken: SkipToken | None = None
    max_page_size_applied: int | None = None  # echo in Preference-Applied


def parse_list_query(args: Mapping[str, str], prefer: str | None = None) -> ListQuery:
    """Parse a list request's query options and ``Prefer`` header."""
    refuse_unknown(args, LIST_OPTIONS)
    top = _non_negative("$top", args.get("$top"))
    preferred = max_page_size_preference(prefer)
    asked = [size for size in (top, preferred) if size is not None]
    page_size = min(min(asked) if asked else DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    count = args.get("$count")
    if count not in (None, "true", "false"):
        raise bad_request(f"Invalid $count {count!r}: true or false")
    token = args.get("$skiptoken")
    text = args.get("$filter")
    return ListQuery(
        page_size=page_size,
        skip=_non_negative("$skip", args.get("$skip")) or 0,
        count=count == "true",
        descending=parse_orderby(args.get("$orderby")),
        select=parse_select(args.get("$select")),
        filter=parse_filter(text) if text is not None else None,
        expand=parse_expand(args.get("$expand")),
        skiptoken=SkipToken.decode(token) if token is not None else None,
        max_page_size_applied=min(preferred, MAX_PAGE_SIZE) if preferred is not None else None,
    )


def parse_item_query(args: Mapping[str, str]) -> tuple[tuple[str, ...] | None, Expand | None]:
    """``$select`` and ``$expand`` of a single-item request."""
    refuse_unknown(args, ITEM_OPTIONS)
    return parse_select(args.get("$select")), parse_expand(args.get("$expand"))


def refuse_unknown(args: Iterable[str], known: frozenset[str]) -> None:
    """400 for any ``$`` option not in ``known`` (non-``$`` parameters are the route's own)."""
    for name in args:
        if name.startswith("$") and name not in known:
            raise bad_request(f"Query option {name} is not supported here")


def next_link(base_url: str, args: Iterable[tuple[str, str]], token: SkipToken) -> str:
    """``base_url`` with every original option (in order) but ``$skiptoken``, then the new one."""
    pairs = [(k, v) for k, v in args if k != "$skiptoken"]
    pairs.append(("$skiptoken", token.encode()))
    return base_url + "?" + urlencode(pairs, quote_via=quote, safe="$,()'")


# -- shaping answers ---------------------------------------------------------------------------


def shape(
    resource: dict, select: tuple[str, ...] | None, expand: Expand | None, ext: list[dict] | None
) -> dict:
    """``resource`` cut to ``$select`` (``Id`` always; ``NotesTruncated`` with ``Notes``) and
    with the ``$expand``-ed extended properties."""
    if select is not None:
        wanted = {"Id", *select}
        if "Notes" in wanted:
            wanted.add("NotesTruncated")
        resource = {k: v for k, v in resource.items() if k in wanted}
    if expand is not None:
        resource[EXTENDED] = expand.pick(ext or [])
    return resource
