from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trafilatura

from bot.ingest.extract import (
    ExtractError,
    extract_article,
    html_fragment_to_text,
    normalize_for_compare,
    text_article,
    text_fingerprint,
    word_count,
)

PARAGRAPHS = [
    "The city council voted on Tuesday to reopen the old harbour bridge to cyclists and walkers, "
    "ending a closure that had lasted almost three years.",
    "Engineers found last spring that the steel supports had corroded far faster than expected, "
    "and the repairs cost nearly twice the original estimate.",
    "“We owe people a safe crossing, and now they have one,” said Mayor Ines Duarte, who cut the "
    "ribbon at the north end of the bridge before a crowd of several hundred residents.",
    "Cars will remain banned from the bridge until a second inspection is completed in the autumn, "
    "the council said in a statement published after the vote.",
]

ARTICLE_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head>
<meta charset="utf-8">
<title>Harbour bridge reopens to cyclists | Example Gazette</title>
<link rel="canonical" href="/news/2024/harbour-bridge">
<meta name="author" content="Ana Lima">
<meta property="og:title" content="Harbour bridge reopens to cyclists">
<meta property="article:published_time" content="2024-05-07T14:30:00+02:00">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article>
<h1>Harbour bridge reopens to cyclists</h1>
<p class="byline">By Ana Lima</p>
{"".join(f"<p>{p}</p>" for p in PARAGRAPHS)}
</article>
<section id="comments" class="comments"><h2>Comments</h2>
<div class="comment"><p>Commenter42 says: finally, about time they fixed this thing properly!</p></div>
</section></main>
<footer><p>© 2024 Example Gazette. All rights reserved. Privacy policy. Cookie settings.</p></footer>
</body></html>"""

PAGE_URL = "https://gazette.example.com/news/2024/harbour-bridge?utm_source=feed"


def test_extract_article_text_and_metadata() -> None:
    article = extract_article(ARTICLE_PAGE, url=PAGE_URL)
    body = article.text.split("\n\n")
    for paragraph in PARAGRAPHS:
        assert paragraph in body
    assert "Home" not in article.text
    assert "All rights reserved" not in article.text
    assert "Commenter42" not in article.text
    assert article.title == "Harbour bridge reopens to cyclists"
    assert not article.text.startswith(article.title)  # the <h1> is not repeated in the body
    assert article.canonical_url == "https://gazette.example.com/news/2024/harbour-bridge"
    assert article.author == "Ana Lima"
    assert article.published == datetime(2024, 5, 7, 12, 30, tzinfo=UTC)


def test_extract_article_from_bytes_in_a_legacy_encoding() -> None:
    page = ARTICLE_PAGE.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    page = page.replace("Engineers found", "Ingénieurs déjà found").replace("“", '"').replace("”", '"')
    article = extract_article(page.encode("iso-8859-1"), url=PAGE_URL)
    assert "Ingénieurs déjà found" in article.text


def test_page_without_article_text() -> None:
    page = "<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    with pytest.raises(ExtractError) as caught:
        extract_article(page, url="https://example.com/")
    assert caught.value.reason == "no article text found on the page"


@pytest.mark.parametrize("page", ["", "   ", b""])
def test_empty_page(page: str | bytes) -> None:
    with pytest.raises(ExtractError):
        extract_article(page)


def test_oversized_page_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: calls.append(a))
    with pytest.raises(ExtractError) as caught:
        extract_article(ARTICLE_PAGE, max_bytes=1_000)
    assert "too large" in caught.value.reason
    assert calls == []


def test_default_size_limit_is_5_mb() -> None:
    huge = b"<html><body>" + b"<p>word</p>" * 460_000 + b"</body></html>"
    assert len(huge) > 5_000_000
    with pytest.raises(ExtractError) as caught:
        extract_article(huge)
    assert "5 MB" in caught.value.reason


def test_extraction_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    connections: list[object] = []

    def no_connect(*args: object, **kwargs: object) -> None:
        connections.append(args)
        raise OSError("network is off in tests")

    monkeypatch.setattr(socket, "create_connection", no_connect)
    monkeypatch.setattr(socket.socket, "connect", no_connect)
    page = ARTICLE_PAGE.replace(
        "</head>",
        '<link rel="stylesheet" href="http://127.0.0.1:9/s.css"><script src="http://127.0.0.1:9/a.js">'
        "</script></head>",
    ).replace("<h1>", '<img src="http://127.0.0.1:9/p.jpg"><h1>')
    extract_article(page, url="http://127.0.0.1:9/news/1")
    assert connections == []


# ---- html_fragment_to_text -------------------------------------------------------------------


def test_fragment_paragraphs_and_entities() -> None:
    fragment = (
        "<p>Fish &amp; chips&nbsp;cost &pound;5 &#8212; &#x201C;cheap&#x201D;.</p>\n"
        "<div><p>Second <b>bold</b> paragraph\n   over lines.</p></div>"
        "<ul><li>one</li><li>two</li></ul>"
        "<script>alert('x')</script><style>p {color: red}</style>"
        "<p>Line one<br>Line two</p>"
    )
    assert html_fragment_to_text(fragment) == (
        "Fish & chips cost £5 — “cheap”.\n\n"
        "Second bold paragraph over lines.\n\n"
        "one\n\n"
        "two\n\n"
        "Line one\nLine two"
    )


def test_fragment_without_blocks_is_one_paragraph() -> None:
    assert html_fragment_to_text("Just <i>some</i> words &amp; more") == "Just some words & more"


def test_fragment_plain_text_keeps_its_paragraphs() -> None:
    text = html_fragment_to_text("First para\nwrapped.\n\n\nSecond para.")
    assert text == "First para wrapped.\n\nSecond para."


@pytest.mark.parametrize("fragment", ["", "   ", "<p></p>", "<script>x()</script>"])
def test_fragment_without_text(fragment: str) -> None:
    assert html_fragment_to_text(fragment) == ""


# ---- text_article ----------------------------------------------------------------------------


def test_text_article_keeps_paragraphs_and_joins_wrapped_lines() -> None:
    text = "\ufeffFirst paragraph that\r\nwraps here.\r\n\r\n  \r\nSecond one.\n\n\nThird."
    article = text_article(text)
    assert article.text == "First paragraph that wraps here.\n\nSecond one.\n\nThird."
    assert article.title is None
    assert article.canonical_url is None


def test_empty_text_article() -> None:
    with pytest.raises(ExtractError):
        text_article(" \n\n \t")


# ---- normalize_for_compare / text_fingerprint ------------------------------------------------

BASE = "The mayor said: \"It's done\" - and it's 5 km long.\n\nSecond paragraph."


@pytest.mark.parametrize(
    "variant",
    [
        "The mayor said: “It’s done” — and it’s 5 km long.\n\nSecond paragraph.",
        "The mayor said: «It's done» – and it's 5 km long. Second paragraph.",
        "The mayor said:\u00a0\"It's done\"--and it's 5\u202fkm long.\r\n\r\nSecond paragraph.",
        "\ufeffThe may\u00ador said: \"It's\u200b done\" - and it's 5 km long.\n\nSecond\u2060 paragraph.  ",
        "The mayor said: ‘‘It‛s done‟ ‐ and it′s 5 km long.\nSecond paragraph.",
    ],
)
def test_cosmetic_changes_are_the_same_text(variant: str) -> None:
    assert normalize_for_compare(variant) == normalize_for_compare(BASE)
    assert text_fingerprint(variant) == text_fingerprint(BASE)


@pytest.mark.parametrize(
    "variant",
    [
        BASE.replace("5 km", "6 km"),
        BASE.replace("mayor", "Mayor"),
        BASE.replace("done", "finished"),
        BASE.replace("long.", "long!"),
        BASE.replace("Second paragraph.", ""),
        BASE.replace("It's", "Its"),
    ],
)
def test_real_edits_are_new_text(variant: str) -> None:
    assert normalize_for_compare(variant) != normalize_for_compare(BASE)
    assert text_fingerprint(variant) != text_fingerprint(BASE)


def test_fingerprint_is_sha256_of_normal_form() -> None:
    fingerprint = text_fingerprint(BASE)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint)
    assert fingerprint == hashlib.sha256(normalize_for_compare(BASE).encode()).hexdigest()


def test_normal_form_collapses_whitespace() -> None:
    assert normalize_for_compare("  a\n\n b\t c  ") == "a b c"


# ---- quality on the shared benchmark ---------------------------------------------------------


def _f1(extracted: str, truth: str) -> float:
    got = Counter(re.findall(r"\w+", extracted.lower()))
    want = Counter(re.findall(r"\w+", truth.lower()))
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def test_at_least_as_good_as_trafilatura_defaults(shared_dir: Path) -> None:
    folder = shared_dir / "eval" / "extract"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    ours: list[float] = []
    baseline: list[float] = []
    for page_id, item in truth.items():
        html = gzip.decompress((folder / "html" / f"{page_id}.html.gz").read_bytes())
        try:
            text = extract_article(html, url=item["url"]).text
        except ExtractError:
            text = ""
        ours.append(_f1(text, item["articleBody"]))
        baseline.append(_f1(trafilatura.extract(html, url=item["url"]) or "", item["articleBody"]))
    assert sum(ours) / len(ours) >= sum(baseline) / len(baseline)


# Invented text in scripts that put no spaces between words.
CJK_PARAGRAPHS = {
    "ja": [
        "北浜町の議会は月曜日、老朽化した市民プールを三月から修理のために閉鎖すると発表した。",
        "工事には約八か月かかる見込みで、費用は八千五百万円にのぼると担当者は説明した。",
        "閉鎖の間、利用者は隣町の南川プールを無料で使えるようになるという。",
    ],
    "zh": [
        "北滨镇议会周一宣布，镇上唯一的公共游泳池将从三月起关闭维修。",
        "维修工程预计需要八个月，费用约为八十五万元，负责官员在会上作了说明。",
        "关闭期间，居民可以免费使用邻镇南川的游泳池。",
    ],
}


@pytest.mark.parametrize("lang", sorted(CJK_PARAGRAPHS))
def test_a_page_in_a_language_without_spaces_extracts(lang: str) -> None:
    paragraphs = CJK_PARAGRAPHS[lang]
    page = (
        f'<html lang="{lang}"><head><meta charset="utf-8"><title>{paragraphs[0][:10]}</title></head><body>'
        f"<nav><a href='/'>ホーム</a></nav><article><h1>{paragraphs[0][:10]}</h1>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    article = extract_article(page.encode("utf-8"), url=f"https://{lang}.example/pool")
    for paragraph in paragraphs:
        assert paragraph in article.text


def test_word_count_counts_words_in_every_script() -> None:
    assert word_count("The council said on Monday") == 5
    assert word_count("市民プールを閉鎖する") == 5  # ten characters, about two per word
    assert word_count("The 北浜町 council") == 3
