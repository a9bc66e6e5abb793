"""HTML to Markdown: trafilatura's main text, or the page's own content where it keeps too little.

trafilatura drops navigation, headers, footers and cookie banners well, but it takes the first
element that looks like an article's body and scores blocks by text density: on a technical page
it can keep the code and drop the prose (a how-to kept 14k of its 26k visible characters, and
none of its introduction). So where trafilatura keeps under `html_fallback_below` of the page's
content (its text outside navigation, banners, scripts and the like), that content is read
instead, as Markdown. The page is parsed once, and trafilatura is handed the tree.
"""

import re
from typing import TYPE_CHECKING

from agentinstruct.readers.decoding import decode
from agentinstruct.readers.extracted import Extracted
from agentinstruct.readers.options import ReadOptions

if TYPE_CHECKING:  # lxml is imported when a page is read, as every parsing library here
    from lxml.html import HtmlElement

# Never content. header and footer are the page's banner and footer only outside these (HTML's
# landmark rule): inside an article a header holds its title.
SKIPPED_TAGS = {
    "script", "style", "noscript", "template", "head", "nav", "aside", "form", "button",
    "select", "dialog", "iframe", "object", "svg", "canvas", "audio", "video", "menu",
}  # fmt: skip
SECTIONING = {"article", "main", "section", "aside", "nav"}
SKIPPED_ROLES = {
    "navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
    "menu", "menubar", "toolbar",
}  # fmt: skip
# A class naming page furniture: one word of it (between - and _), e.g. `cookie-banner`.
FURNITURE = re.compile(
    r"(?:^|[-_])(?:cookies?|consent|gdpr|breadcrumbs?|sidebar|navbar|nav|navigation|menu|"
    r"social|share|sharing|newsletter|subscribe|advert|ads|promo|popup|modal|skip|feedback|"
    r"rating|edit|print|tools|toolbar|pagination|pager)(?:$|[-_])",
    re.IGNORECASE,
)
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "blockquote", "ul", "ol",
    "dl", "dt", "dd", "li", "table", "tr", "figure", "figcaption", "details", "summary",
    "address", "caption", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "body",
}  # fmt: skip
HEADINGS = {f"h{level}": "#" * level + " " for level in range(1, 7)}
_NOT_WORD = re.compile(r"[\W_]+")


def _word_chars(text: str) -> int:
    """Letters and digits only, so that Markdown marks and spacing weigh nothing."""
    return len(_NOT_WORD.sub("", text))


def _is_furniture(element: "HtmlElement") -> bool:
    tag = element.tag
    if tag in SKIPPED_TAGS or element.get("role") in SKIPPED_ROLES:
        return True
    if tag in ("header", "footer") and not any(
        ancestor.tag in SECTIONING for ancestor in element.iterancestors()
    ):
        return True
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    if HIDDEN_STYLE.search(element.get("style", "")):
        return True
    # classes, not ids: documentation gives sections ids from their headings (`id="tools"`)
    return any(FURNITURE.search(name) for name in element.get("class", "").split())


class _Markdown:
    """Markdown blocks, written as a walk of the page opens and closes its elements."""

    def __init__(self) -> None:
        self.blocks: list[str] = []
        self.words: list[str] = []  # the inline text of the block being read
        self.rows: list[str] = []  # the rows of the table being read, one block in the end

    def _text(self) -> str:
        text = " ".join("".join(self.words).split())
        self.words.clear()
        return text

    def flush(self, mark: str = "") -> None:
        text = self._text()
        if text:
            self.blocks.append(mark + text)

    def open(self, element: "HtmlElement", tag: str) -> None:
        if tag in BLOCK_TAGS or tag == "pre":
            self.flush()
        if tag == "pre":
            self.blocks.append(f"```\n{element.text_content().strip(chr(10))}\n```")
            return
        if tag in ("td", "th") and element.getprevious() is not None:
            self.words.append(" | ")
        self.words.append("`" if tag == "code" else "")
        self.words.append(element.text or "")

    def close(self, tag: str) -> None:
        if tag in HEADINGS or tag == "li":
            self.flush(HEADINGS.get(tag, "- "))
        elif tag == "tr":
            self.rows.append(self._text())
        elif tag == "table":
            self.flush()
            self.blocks.append("\n".join(row for row in self.rows if row))
            self.rows.clear()
        elif tag in BLOCK_TAGS:
            self.flush()
        elif tag == "code":
            self.words.append("`")


def _content_root(tree: "HtmlElement") -> "HtmlElement":
    """The page's `main` element, where it has one, else its body."""
    mains = tree.xpath("//main | //*[@role='main']")
    return mains[0] if len(mains) == 1 else tree.body


def content_blocks(tree: "HtmlElement") -> list[str]:
    """The page's content as Markdown blocks: headings, paragraphs, list items, tables and
    fenced code; page furniture left out."""
    from lxml import etree

    walker = etree.iterwalk(_content_root(tree), events=("start", "end"))
    markdown, skipped = _Markdown(), None
    for event, element in walker:  # iterative: a page may nest 2,000 levels deep
        tag = element.tag if isinstance(element.tag, str) else ""  # a comment has no name
        if event == "start":
            furniture = _is_furniture(element)
            if not furniture:
                markdown.open(element, tag)
            if furniture or tag == "pre":  # furniture is not read, code is read whole
                walker.skip_subtree()  # its end event still comes, for its tail
                skipped = element
            continue
        if element is not skipped:
            markdown.close(tag)
        markdown.words.append(element.tail or "")
    markdown.flush()
    return [block for block in markdown.blocks if block]


def _parse(text: str) -> tuple["HtmlElement | None", str | None]:
    """The page's tree, or why it has none. `huge_tree` reads 2,048 levels of nesting where
    lxml's default stops at 256 and drops the rest of the page."""
    from lxml import etree
    from lxml.html import HTMLParser, document_fromstring

    options = dict(collect_ids=False, remove_comments=True, remove_pis=True, huge_tree=True)
    parser = HTMLParser(**options)
    try:
        tree = document_fromstring(text, parser=parser)
    except ValueError:  # a string that declares its encoding: lxml wants its bytes
        parser = HTMLParser(encoding="utf-8", **options)
        tree = document_fromstring(text.encode("utf-8"), parser=parser)
    except etree.ParserError:
        return None, "empty: no main text in the page"
    limit = next((e.message for e in parser.error_log if e.type_name == "ERR_RESOURCE_LIMIT"), "")
    if "depth" in limit:
        depth = re.search(r"\d+", limit)
        levels = depth.group() if depth else "too many"
        return None, (
            f"too deeply nested: more than {levels} levels of elements, where the HTML parser"
            " stops (the rest of the page would be lost)"
        )
    if limit:
        return None, f"too large for the HTML parser: {limit}"
    return tree, None


def _fallback(tree: "HtmlElement", extracted: str, below: float) -> str | None:
    """The page's content, where trafilatura `extracted` less than `below` of it. The walk that
    measures it (7 ms for a 130 kB manual, trafilatura's 66 ms) is skipped where trafilatura
    kept enough of the whole text, furniture included."""
    kept = _word_chars(extracted)
    if kept >= below * _word_chars(_content_root(tree).text_content()):
        return None
    blocks = content_blocks(tree)
    return "\n\n".join(blocks) if kept < below * sum(map(_word_chars, blocks)) else None


def read_html(data: bytes, options: ReadOptions) -> Extracted:
    """The main content as Markdown; navigation, headers and footers are left behind."""
    import trafilatura

    decoded = decode(data, options.encoding)
    if decoded.text is None:
        return Extracted(None, decoded.reason, "html")
    tree, reason = _parse(decoded.text)
    if tree is None:
        return Extracted(None, reason, "html", decoded.encoding)
    text = trafilatura.extract(  # extracts from a copy of the tree
        tree, output_format="markdown", include_formatting=True, favor_recall=True
    )
    text = _fallback(tree, text or "", options.html_fallback_below) or text
    metadata = trafilatura.extract_metadata(tree)
    title = metadata.title if metadata is not None else None
    if not text:
        return Extracted(None, "empty: no main text in the page", "html", decoded.encoding)
    return Extracted(text, None, "html", decoded.encoding, title)
