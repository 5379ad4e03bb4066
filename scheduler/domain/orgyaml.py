"""The YAML layer of the org file: scalars kept as written, and where every value sits.

YAML 1.1 loaders turn an unquoted `10:00` into 600 and `2027-01-04` into a date. Here the node
tree is composed without constructing Python objects and every plain scalar resolves to text,
so `orgfile` converts values itself and an error quotes what the user wrote.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

import yaml

NULL_TAG = "tag:yaml.org,2002:null"
LONGEST_FILE = 5_000_000  # characters of an org file (thousands of people fit in a few MB)
DEEPEST = 32  # nesting of lists and mappings (an org file needs 5)
LONGEST_TEXT = 200  # characters of a name, site or email (the database keeps 200)
# C0 and C1 controls (tabs and newlines included), the bidirectional overrides and isolates,
# and the line and paragraph separators (U+2028, U+2029), which break lines in CSV and feeds.
UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


class OrgFileError(Exception):
    """An org file that cannot be used, with the file, key path and line of the problem."""

    def __init__(self, filename: str, key_path: str, line: int | None, message: str):
        self.filename = filename
        self.key_path = key_path
        self.line = line
        self.message = message
        where = f"{filename}: {key_path}" if key_path else filename
        super().__init__(f"{where}{f' (line {line})' if line else ''}: {message}")

    def __reduce__(self):
        return type(self), (self.filename, self.key_path, self.line, self.message)


class _TextLoader(yaml.SafeLoader):
    """Resolve every plain scalar to text; only an empty value, `~` and `null` stay null."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == NULL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Value:
    """A YAML node with where it was written: file, key path and line."""

    node: yaml.Node
    filename: str
    path: str
    line: int

    def fail(self, message: str) -> NoReturn:
        """Raise OrgFileError naming this value's file, key path and line."""
        raise OrgFileError(self.filename, self.path, self.line, message)

    def at(self, key: str, node: yaml.Node | None = None, line: int | None = None) -> Value:
        """Return the value under `key` (this node itself when only naming a missing key)."""
        path = f"{self.path}.{key}" if self.path else key
        return Value(self.node if node is None else node, self.filename, path, line or self.line)

    @property
    def is_null(self) -> bool:
        """Tell whether the value is YAML null (`~`, `null` or nothing)."""
        return isinstance(self.node, yaml.ScalarNode) and self.node.tag == NULL_TAG

    def fields(self, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Value]:
        """Return the mapping's non-null values by key; fail on unknown, repeated, missing keys."""
        if not isinstance(self.node, yaml.MappingNode):
            self.fail(f"expected a mapping of keys to values, got {kind_of(self.node)}")
        known = required + optional
        found: dict[str, Value] = {}
        for key_node, node in self.node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            value = self.at(key, node, key_node.start_mark.line + 1)
            if key in found:
                value.fail(f"duplicate key (first on line {found[key].line})")
            if key not in known:
                value.fail(f"unknown key; expected one of: {', '.join(known)}{hint(key, known)}")
            found[key] = value
        for key in required:
            if key not in found:
                self.at(key).fail("required key is missing")
            if found[key].is_null:
                found[key].fail("required key has no value")
        return {key: value for key, value in found.items() if not value.is_null}

    def items(self, allow_empty: bool = False) -> list[Value]:
        """Return the items of a list, failing on an empty one unless `allow_empty`."""
        if not isinstance(self.node, yaml.SequenceNode):
            self.fail(f"expected a list, got {kind_of(self.node)}")
        if not self.node.value and not allow_empty:
            self.fail("expected a non-empty list")
        return [
            Value(node, self.filename, f"{self.path}[{i}]", node.start_mark.line + 1)
            for i, node in enumerate(self.node.value)
        ]

    def text(self, longest: int = LONGEST_TEXT) -> str:
        """Return the scalar as written, without surrounding blanks.

        Fails on more than `longest` characters and on control or bidirectional-override
        characters, which could rewrite a terminal, a feed line or a page (docs/org-file.md#limits).
        """
        if not isinstance(self.node, yaml.ScalarNode):
            self.fail(f"expected a single value, got {kind_of(self.node)}")
        if self.is_null or not self.node.value.strip():
            self.fail("has no value")
        text = self.node.value.strip()
        if len(text) > longest:
            self.fail(f"is {len(text)} characters long; at most {longest} are allowed")
        if unsafe := UNSAFE.search(text):
            self.fail(f"contains the control character U+{ord(unsafe[0]):04X}; remove it")
        return text


def kind_of(node: yaml.Node) -> str:
    """Name a YAML node's kind for messages: 'a mapping', 'a list', 'a value'."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f'"{node.value}"'


def hint(word: str, choices: Iterable[str]) -> str:
    """Return ` (did you mean "x"?)` for a close match among `choices`, else ""."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""


def compose(text: str, filename: str) -> Value:
    """Compose the document's node tree; a syntax error becomes an `OrgFileError`.

    Files over LONGEST_FILE characters or nested deeper than DEEPEST fail before composing.
    """
    if len(text) > LONGEST_FILE:
        raise OrgFileError(filename, "", None, f"the file is over {LONGEST_FILE:,} characters")
    _check_depth(text, filename)
    try:
        node = yaml.compose(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as err:
        message = f"YAML syntax error: {err.problem}"
        if err.context and err.context_mark:
            message += f" ({err.context} on line {err.context_mark.line + 1})"
        line = err.problem_mark.line + 1 if err.problem_mark else None
        raise OrgFileError(filename, path_at_error(text), line, message) from err
    except yaml.YAMLError as err:
        raise OrgFileError(filename, "", None, f"YAML error: {err}") from err
    if node is None:
        raise OrgFileError(filename, "", None, "the file is empty")
    return Value(node, filename, "", node.start_mark.line + 1)


def _check_depth(text: str, filename: str) -> None:
    """Fail on lists and mappings nested deeper than DEEPEST (composing would recurse)."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_TextLoader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > DEEPEST:
                    line = event.start_mark.line + 1
                    message = f"lists and mappings are nested more than {DEEPEST} deep"
                    raise OrgFileError(filename, "", line, message)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # composing reports the syntax error with its place


@dataclass
class _Open:
    """A collection the parser is inside, and the key or index it has reached."""

    is_map: bool
    key: str | int | None = None
    awaiting_key: bool = True


def path_at_error(text: str) -> str:
    """Return the key path the parser had reached when the YAML broke (best effort)."""
    stack: list[_Open] = []
    try:
        for event in yaml.parse(text, Loader=_TextLoader):
            _follow(stack, event)
    except yaml.YAMLError:
        pass
    path = ""
    for frame in stack:
        if frame.is_map and not frame.awaiting_key:
            path += f".{frame.key}" if path else str(frame.key)
        elif not frame.is_map and frame.key is not None:
            path += f"[{frame.key}]"
    return path


def _follow(stack: list[_Open], event: yaml.Event) -> None:
    """Move the stack of open collections along one parser event."""
    if isinstance(event, yaml.CollectionEndEvent):
        stack.pop()
        _value_done(stack)
        return
    if not isinstance(event, yaml.NodeEvent):
        return
    top = stack[-1] if stack else None
    if top and top.is_map and top.awaiting_key:
        top.key, top.awaiting_key = getattr(event, "value", "?"), False
        return
    if top and not top.is_map:
        top.key = 0 if top.key is None else int(top.key) + 1
    if isinstance(event, yaml.CollectionStartEvent):
        stack.append(_Open(is_map=isinstance(event, yaml.MappingStartEvent)))
    else:
        _value_done(stack)


def _value_done(stack: list[_Open]) -> None:
    if stack and stack[-1].is_map:
        stack[-1].awaiting_key = True
