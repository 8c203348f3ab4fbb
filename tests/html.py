"""A small HTML reader for tests: parse a page or a fragment (standard
library html.parser) and check ids, attributes and text rather than exact
strings."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def elements(self) -> list[Node]:
        """Child elements (no text)."""
        return [c for c in self.children if isinstance(c, Node)]

    def text(self) -> str:
        """The text inside, whitespace collapsed."""
        parts: list[str] = []

        def walk(node):
            for c in node.children:
                parts.append(c) if isinstance(c, str) else walk(c)

        walk(self)
        return " ".join("".join(parts).split())

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def find_all(self, selector: str = "") -> list[Node]:
        """Elements matching a tiny selector: `tag`, `.class`, `#id`,
        `[attr]`, `[attr=value]`, combined without spaces (`button.toggle[data-field=wa]`)."""
        return [n for n in self.iter() if _matches(n, selector)]

    def find(self, selector: str = "") -> Node | None:
        found = self.find_all(selector)
        return found[0] if found else None

    def one(self, selector: str) -> Node:
        found = self.find_all(selector)
        assert len(found) == 1, f"{len(found)} elements match {selector!r}"
        return found[0]

    def by_id(self, element_id: str) -> Node | None:
        return self.find(f"#{element_id}")

    def previous_element(self) -> Node | None:
        siblings = self.parent.elements
        i = siblings.index(self)
        return siblings[i - 1] if i else None


_PART = re.compile(r"\[([\w-]+)(?:=([^\]]*))?\]|([.#])([\w-]+)|([\w-]+)")


def _matches(node: Node, selector: str) -> bool:
    for m in _PART.finditer(selector):
        attr, value, sigil, name, tag = m.groups()
        if tag and node.tag != tag:
            return False
        if sigil == "." and name not in node.classes:
            return False
        if sigil == "#" and node.attrs.get("id") != name:
            return False
        if attr and (attr not in node.attrs or (value is not None and node.attrs[attr] != value.strip("\"'"))):
            return False
    return True


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str | bytes) -> Node:
    """The document (or fragment) as a tree; the root holds the top-level elements."""
    builder = _Builder()
    builder.feed(html.decode() if isinstance(html, bytes) else html)
    builder.close()
    return builder.root
