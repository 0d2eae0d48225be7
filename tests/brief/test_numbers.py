"""Numbers in digits and in words, with their values, on sentences written for these tests."""

from __future__ import annotations

import pytest

from bot.brief.numbers import DECADE, ORDINAL, PERCENT, PLAIN, find_numbers


def _found(text: str) -> list[tuple[str, str, str]]:
    return [(m.text, m.value, m.kind) for m in find_numbers(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The club signed two strikers.", [("two", "2", PLAIN)]),
        ("Twenty-five boats left the harbour.", [("Twenty-five", "25", PLAIN)]),
        ("About a hundred people came.", [("a hundred", "100", PLAIN)]),
        ("It cost one hundred and five euros.", [("one hundred and five", "105", PLAIN)]),
        ("Some twenty-five thousand fans sang.", [("twenty-five thousand", "25000", PLAIN)]),
        ("The fund lost 1.2 million.", [("1.2 million", "1200000", PLAIN)]),
        ("A grant of $4 million was agreed.", [("$4 million", "$4000000", PLAIN)]),
        ("Debt rose to £2bn.", [("£2bn", "£2000000000", PLAIN)]),
        ("Crowds of 1,200 gathered.", [("1,200", "1200", PLAIN)]),
        ("Prices rose 5% in May.", [("5%", "5", PERCENT)]),
        ("Prices rose ten per cent.", [("ten per cent", "10", PERCENT)]),
        ("It was the third attempt.", [("third", "3", ORDINAL)]),
        ("She came twenty-first.", [("twenty-first", "21", ORDINAL)]),
        ("It opened on the 3rd.", [("3rd", "3", ORDINAL)]),
        ("A fad of the 1990s.", [("1990s", "1990", DECADE)]),
        ("The board voted 5-2.", [("5-2", "5-2", PLAIN)]),
        ("He got a five-year term.", [("five", "5", PLAIN)]),
        ("Three, four or five rooms.", [("Three", "3", PLAIN), ("four", "4", PLAIN), ("five", "5", PLAIN)]),
        ("The A380 landed, a lot later.", []),
    ],
)
def test_numbers_and_their_values(text: str, expected: list[tuple[str, str, str]]) -> None:
    assert _found(text) == expected


@pytest.mark.parametrize(
    ("one", "other"),
    [("nine", "9"), ("first", "1st"), ("$4m", "$4 million"), ("five percent", "5%"), ("1,200", "1200")],
)
def test_the_same_value_written_two_ways_has_one_value(one: str, other: str) -> None:
    (first,) = find_numbers(f"We counted {one} of them.")
    (second,) = find_numbers(f"We counted {other} of them.")
    assert (first.value, first.kind) == (second.value, second.kind)


def test_offsets_point_at_the_number_in_the_text() -> None:
    text = "Officials said forty-two homes and $3.5 million in aid."
    assert [text[m.start : m.end] for m in find_numbers(text)] == ["forty-two", "$3.5 million"]
