"""Article text out of HTML pages, feed HTML fragments and plain text; text identity for versioning.

Pages go through trafilatura (main-content detection plus title/author/date/canonical metadata).
Nothing here touches the network: trafilatura and htmldate only ever see the bytes we hand them.
"""

from __future__ import annotations

import functools
import hashlib
import html as html_lib
import logging
import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import set_date_params

from bot.errors import NewsbriefError
from bot.models import ExtractedArticle

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES: Final = 5_000_000

# htmldate returns a string in this format; it falls back to a bare date when the page has no time.
_DATE_OUTPUT_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%z"
# Below this many characters a precision-mode extraction is suspect and recall mode gets a try.
_SHORT_TEXT_CHARS: Final = 400
_MIN_PROSE_WORDS: Final = 8


class ExtractError(NewsbriefError):
    """The input holds no usable article text. `reason` is fit to show a moderator."""


# ---------------------------------------------------------------------------------------------
# Whole pages


def extract_article(
    html: str | bytes, *, url: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> ExtractedArticle:
    """Main text and metadata of one article page.

    Raises ExtractError when the page is over `max_bytes` (so a giant page cannot stall the
    pipeline) or when no article text is found.
    """
    size = len(html) if isinstance(html, bytes) else len(html.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        limit_mb = max_bytes / 1_000_000
        raise ExtractError(f"page too large: {size / 1_000_000:.1f} MB, over the {limit_mb:g} MB limit")
    if not html.strip():
        raise ExtractError("empty page")
    tree = _load_tree(html, url)
    document = _run_trafilatura(tree, url)
    if document is None:
        raise ExtractError("no article text found on the page")
    title = _clean_inline(document.title)
    text = _drop_leading_title(_lines_to_paragraphs(document.text or ""), title)
    if not _has_prose(text):
        raise ExtractError("no article text found on the page")
    return ExtractedArticle(
        text=text,
        title=title,
        canonical_url=_canonical_url(tree, url) or _absolute_url(document.url, url),
        author=_clean_inline(document.author),
        published=parse_page_date(document.date),
    )


def _has_prose(text: str) -> bool:
    # trafilatura's fallbacks will return a page's menu when there is nothing else; an article
    # has at least one paragraph that reads like a sentence, a menu has none.
    return any(word_count(paragraph) >= _MIN_PROSE_WORDS for paragraph in text.split("\n\n"))


# Scripts written without spaces between words: Chinese, Japanese kana, Thai, Lao, Myanmar, Khmer.
_UNSPACED_CHARS: Final = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]"
)
_CHARS_PER_UNSPACED_WORD: Final = 2  # a rough mean word length in those scripts


def word_count(text: str) -> int:
    """About how many words the text has, in any script: space-separated words, and in scripts
    that put no spaces between words, every two of their characters taken as one."""
    unspaced = len(_UNSPACED_CHARS.findall(text))
    if not unspaced:
        return len(text.split())
    spaced = len(_UNSPACED_CHARS.sub(" ", text).split())
    return spaced + unspaced // _CHARS_PER_UNSPACED_WORD


def _load_tree(html: str | bytes, url: str | None) -> Any:
    # parsed once: the canonical link is read from it and trafilatura works on (copies of) it
    try:
        tree = trafilatura.load_html(html)
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        log.warning("could not parse %s as HTML: %r", url or "<page>", exc)
        raise ExtractError("the page could not be parsed as HTML") from exc
    if tree is None:
        raise ExtractError("the page could not be parsed as HTML")
    return tree


_CANONICAL_LINK: Final = etree.XPath(
    "//link[@href][contains(concat(' ', normalize-space(translate(@rel, 'CANONICAL', 'canonical')), ' '),"
    " ' canonical ')]/@href"
)


def _canonical_url(tree: Any, page_url: str | None) -> str | None:
    # trafilatura only absolutises a relative canonical via og:/twitter: meta, so we read it here
    hrefs = _CANONICAL_LINK(tree)
    for href in hrefs:
        if isinstance(href, str) and href.strip():
            absolute = urljoin(page_url, href.strip()) if page_url else href.strip()
            if urlsplit(absolute).scheme in ("http", "https"):
                return absolute
    return None


def _run_trafilatura(html: Any, url: str | None) -> Any:
    document = _bare_extraction(html, url, precision=True)
    text = document.text if document is not None else None
    if not text or len(text) < _SHORT_TEXT_CHARS:
        # precision mode sometimes throws away a short article whole; recall mode rescues it
        fallback = _bare_extraction(html, url, precision=False)
        if fallback is not None and len(fallback.text or "") > len(text or ""):
            return fallback
    return document


def _bare_extraction(html: Any, url: str | None, *, precision: bool) -> Any:
    # Precision mode scores best on the shared benchmark (see bench/extract.py); comments are
    # never part of the article; images and links are not text we brief.
    try:
        return trafilatura.bare_extraction(
            html,
            url=url,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            with_metadata=True,
            date_extraction_params={**set_date_params(True), "outputformat": _DATE_OUTPUT_FORMAT},
            favor_precision=precision,
            favor_recall=not precision,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        # trafilatura is robust on almost anything, but lxml can still choke on pathological input
        log.warning("trafilatura failed on %s: %r", url or "<page>", exc)
        raise ExtractError("the page could not be parsed as HTML") from exc


def _lines_to_paragraphs(text: str) -> str:
    # trafilatura's text output puts one block (paragraph, heading, list item) per line
    paragraphs = (" ".join(line.split()) for line in text.splitlines())
    return "\n\n".join(p for p in paragraphs if p)


def _drop_leading_title(text: str, title: str | None) -> str:
    # the page's <h1> often opens the extracted body; the headline is kept in `title` already
    first, _, rest = text.partition("\n\n")
    if title and rest and normalize_for_compare(first) == normalize_for_compare(title):
        return rest
    return text


def _clean_inline(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _absolute_url(found: str | None, page_url: str | None) -> str | None:
    if not found:
        return page_url
    absolute = urljoin(page_url, found) if page_url else found
    return absolute if urlsplit(absolute).scheme in ("http", "https") else page_url


def parse_page_date(value: str | None) -> datetime | None:
    """A date string from trafilatura/htmldate as an aware UTC datetime (bare dates: midnight UTC)."""
    if not value:
        return None
    for pattern in (_DATE_OUTPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    return None


# ---------------------------------------------------------------------------------------------
# Feed fragments and plain text

_BLOCK_TAGS: Final = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl",
        "dt", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr",
        "ul",
    }
)  # fmt: skip
_SKIPPED_TAGS: Final = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg"})
_LINE_BREAK: Final = "\n"
_LOOKS_LIKE_MARKUP: Final = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


# A feed entry's HTML is read twice in a row (is it a teaser? then its text), a third of a poll's
# CPU on the event loop: the last few answers are kept. Few, so a huge fragment is soon let go.
@functools.lru_cache(maxsize=8)
def html_fragment_to_text(html: str) -> str:
    """Text of a feed's HTML content/summary: block elements become blank-line separated paragraphs.

    Input without any markup is taken as plain text (many feeds put plain text in <description>),
    so its own blank lines still separate paragraphs.
    """
    if not html or not html.strip():
        return ""
    if not _LOOKS_LIKE_MARKUP.search(html):
        return _plain_text_paragraphs(html)
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.LxmlError, ValueError):
        log.debug("unparsable HTML fragment, falling back to unescaping", exc_info=True)
        return _plain_text_paragraphs(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)))
    pieces = list(_walk_text(root))
    return _join_pieces(pieces)


def _walk_text(element: Any) -> Iterator[str]:
    """Text pieces in document order; `_LINE_BREAK` marks a hard break, "" a paragraph break."""
    tag = element.tag if isinstance(element.tag, str) else ""
    tag = tag.lower()
    if tag in _SKIPPED_TAGS or not isinstance(element.tag, str):
        # comments and processing instructions carry no text, but their tail does
        if element.tail:
            yield element.tail
        return
    is_block = tag in _BLOCK_TAGS
    if is_block:
        yield ""
    if tag == "br":
        yield _LINE_BREAK
    if element.text:
        yield element.text
    for child in element:
        yield from _walk_text(child)
    if is_block:
        yield ""
    if element.tail:
        yield element.tail


def _join_pieces(pieces: list[str]) -> str:
    paragraphs: list[str] = []
    lines: list[str] = []
    current: list[str] = []

    def end_line() -> None:
        line = " ".join("".join(current).split())
        current.clear()
        if line:
            lines.append(line)

    def end_paragraph() -> None:
        end_line()
        if lines:
            paragraphs.append("\n".join(lines))
            lines.clear()

    for piece in pieces:
        if piece == "":
            end_paragraph()
        elif piece == _LINE_BREAK:
            end_line()
        else:
            current.append(piece)
    end_paragraph()
    return "\n\n".join(paragraphs)


def _plain_text_paragraphs(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    paragraphs = (" ".join(block.split()) for block in re.split(r"\n[ \t]*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def text_article(text: str) -> ExtractedArticle:
    """A plain-text article. Hard-wrapped lines are joined; blank lines separate paragraphs.

    The title is left None on purpose: the brief writes the headline.
    """
    paragraphs = _plain_text_paragraphs(text)
    if not paragraphs:
        raise ExtractError("the text is empty")
    return ExtractedArticle(text=paragraphs)


# ---------------------------------------------------------------------------------------------
# Text identity

# Characters that render as nothing; an edit that only adds or drops them is not an edit.
_INVISIBLE: Final = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufe00-\ufe0f]"
)
_QUOTE_MAP: Final = str.maketrans(
    {
        **dict.fromkeys("‘’‚‛′‵‹›`´ʹʻʼ＇", "'"),
        **dict.fromkeys("“”„‟″‶«»〝〞＂", '"'),
        # Dashes are typography too: editors swap "--", en and em dashes and minus signs freely.
        **dict.fromkeys("‐‑‒–—―⁃−﹘﹣－", "-"),
    }
)
_DASH_RUN: Final = re.compile(r"\s*-+\s*")
_WHITESPACE: Final = re.compile(r"\s+")


def normalize_for_compare(text: str) -> str:
    """The identity of a text for versioning.

    Two texts with the same normal form are the same version. Not a change: whitespace and
    line/paragraph breaks, NFKC compatibility forms (NBSP, ligatures, full-width letters, "…"),
    quote style (curly, straight, guillemets), dash style (hyphen, en/em dash, minus, "--", and
    the spacing around dashes), invisible characters (zero-width, soft hyphen, BOM, bidi marks).
    Case and punctuation other than quotes and dashes do count.
    """
    normal = unicodedata.normalize("NFKC", text)
    normal = _INVISIBLE.sub("", normal)
    normal = normal.translate(_QUOTE_MAP).replace("''", '"')
    normal = _DASH_RUN.sub("-", normal)
    return _WHITESPACE.sub(" ", normal).strip()


def text_fingerprint(text: str) -> str:
    """sha256 hex digest of `normalize_for_compare(text)`."""
    return hashlib.sha256(normalize_for_compare(text).encode("utf-8")).hexdigest()
