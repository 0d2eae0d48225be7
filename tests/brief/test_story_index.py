"""StoryIndex's fast scoring against brute force: the same matches, the same scores, the same order."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.brief.stories import SAME_STORY_THRESHOLD, StoryFeatures, StoryIndex, _story_score, story_features
from bot.models import StoryArticle

_NAMES = ["Quist", "Berrow", "Tullbridge", "Kestrel", "Harlow", "Brennan", "Ostova", "Marrick"]
_WORDS = ["bridge", "council", "repairs", "crossing", "library", "votes", "harbour", "budget", "road"]
_WORDS += ["opened", "closed", "funding", "plan", "station", "river", "flood", "school", "market"]
_SEEN = datetime(2026, 11, 1, tzinfo=UTC)


def _sentence(rng: random.Random, salient: bool) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(4, 9))]
    if salient:
        words.insert(rng.randint(1, len(words)), rng.choice(_NAMES))
        if rng.random() < 0.3:
            words.insert(rng.randint(1, len(words)), str(rng.randint(100, 130)))
    return "The " + " ".join(words) + "."


def _article(rng: random.Random, number: int, base: list[str]) -> StoryArticle:
    salient = rng.random() > 0.15  # some articles have no name or number at all
    sentences = [s for s in base if rng.random() < 0.5] if base and rng.random() < 0.6 else []
    sentences += [_sentence(rng, salient) for _ in range(rng.randint(0, 4))]
    title = " ".join(rng.choice(_WORDS + _NAMES) for _ in range(rng.randint(0, 5))) or None
    return StoryArticle(number, None, title, " ".join(sentences), _SEEN)


def _brute_force(
    new: StoryFeatures, earlier: list[tuple[StoryArticle, StoryFeatures]], threshold: float
) -> list[tuple[float, StoryArticle]]:
    """Every candidate (one sharing a salient word; everyone when the new one has none) scored."""
    candidates = [(a, f) for a, f in earlier if not new.salient or new.salient & f.salient]
    scored = [(_story_score(new, f), a) for a, f in candidates]
    scored = [pair for pair in scored if pair[0] >= threshold]
    scored.sort(key=lambda pair: pair[0], reverse=True)
    return scored


def test_story_index_scores_like_brute_force_on_invented_articles() -> None:
    rng = random.Random(11)
    base = [_sentence(rng, True) for _ in range(8)]
    index = StoryIndex(max_size=60)
    earlier: list[tuple[StoryArticle, StoryFeatures]] = []
    matched = 0
    for number in range(300):
        article = _article(rng, number, base)
        features = story_features(article.title, article.text)
        for threshold in (SAME_STORY_THRESHOLD, 0.0, 0.6):
            expected = _brute_force(features, earlier, threshold)
            assert index.scored_features(features, threshold=threshold) == expected
            for limit in (1, 3, 8):
                got = index.scored_features(features, threshold=threshold, limit=limit)
                assert got == expected[:limit]
        if earlier:
            excluded = rng.choice(earlier)[0].article_id
            expected = [
                p
                for p in _brute_force(features, earlier, SAME_STORY_THRESHOLD)
                if p[1].article_id != excluded
            ]
            got = index.scored_features(features, threshold=SAME_STORY_THRESHOLD, limit=8, exclude=excluded)
            assert got == expected[:8]
        matched += bool(_brute_force(features, earlier, SAME_STORY_THRESHOLD))
        index.add(article, features)
        earlier = [*earlier, (article, features)][-60:]
    assert matched > 50  # the invented articles do match each other, often
    assert len(index) == 60
