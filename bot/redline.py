"""The change as a picture: a PNG redline of what an edit changed, as diffengine shows it.

Removed words are struck through in red, added words are green on a pale green ground, and a
label in the margin says what kind of change each line is. The text diff stays the record; the
picture is for the eye, so it has alt text that says the same in words.

Drawn with Pillow's own bundled font (nothing is downloaded), at twice the width Discord shows a
picture at, so it stays sharp when Discord scales it down.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from bot.fitting import fit
from bot.models import Change, ChangeKind, Changes, WordOp
from bot.render import change_label

WIDTH = 1100  # pixels; Discord shows a picture at about half this
MARGIN = 36
TEXT_SIZE = 26
TITLE_SIZE = 32
LINE_GAP = 10
CHANGE_GAP = 22
MAX_CHANGES = 25  # a longer edit is counted at the bottom; the text diff has every change
MAX_HEIGHT = 6000

BACKGROUND = (255, 255, 255)
INK = (40, 40, 40)
MUTED = (110, 110, 110)
REMOVED = (190, 30, 30)
ADDED = (20, 120, 40)
ADDED_GROUND = (214, 245, 219)


@dataclass(frozen=True, slots=True)
class Redline:
    png: bytes
    alt_text: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class _Run:
    text: str
    op: WordOp


def _runs(change: Change) -> list[_Run]:
    """The change as runs of kept, removed and added text."""
    if change.words:
        return [_Run(part.text, part.op) for part in change.words if part.text]
    runs: list[_Run] = []
    if change.before:
        runs.append(_Run(change.before, WordOp.DELETED))
    if change.after:
        runs.append(_Run(change.after, WordOp.INSERTED))
    if change.kind in (ChangeKind.SENTENCE_ADDED, ChangeKind.QUOTE_ADDED, ChangeKind.NEW_IN_STORY):
        runs = [_Run(r.text, WordOp.INSERTED) for r in runs]
    elif change.kind in (ChangeKind.SENTENCE_REMOVED, ChangeKind.QUOTE_REMOVED):
        runs = [_Run(r.text, WordOp.DELETED) for r in runs]
    return runs


def _words(runs: list[_Run]) -> Iterator[_Run]:
    for run in runs:
        for word in run.text.split():
            yield _Run(word, run.op)


class _Canvas:
    """Lays words out in lines, then draws them: measure first, so the image is just tall enough."""

    def __init__(self) -> None:
        self.text_font = ImageFont.load_default(size=TEXT_SIZE)
        self.title_font = ImageFont.load_default(size=TITLE_SIZE)
        self.space = self.text_font.getlength(" ")
        self.line_height = TEXT_SIZE + LINE_GAP
        # (x, y, text, style): style is a WordOp for the change's words, or "title" / "label".
        self.items: list[tuple[float, float, str, WordOp | str]] = []
        self.y = float(MARGIN)

    def title(self, text: str) -> None:
        for line in self._wrap(
            [_Run(w, WordOp.SAME) for w in text.split()], self.title_font, WIDTH - 2 * MARGIN
        ):
            x = float(MARGIN)
            for word in line:
                self.items.append((x, self.y, word.text, "title"))
                x += self.title_font.getlength(word.text + " ")
            self.y += TITLE_SIZE + LINE_GAP
        self.y += CHANGE_GAP

    def label(self, text: str) -> None:
        self.items.append((float(MARGIN), self.y, text, "label"))
        self.y += self.line_height

    def paragraph(self, runs: list[_Run]) -> None:
        indent = MARGIN + 24
        for line in self._wrap(list(_words(runs)), self.text_font, WIDTH - indent - MARGIN):
            x = float(indent)
            for word in line:
                self.items.append((x, self.y, word.text, word.op))
                x += self.text_font.getlength(word.text) + self.space
            self.y += self.line_height
        self.y += CHANGE_GAP - LINE_GAP

    @staticmethod
    def _wrap(
        words: list[_Run], font: ImageFont.FreeTypeFont | ImageFont.ImageFont, room: float
    ) -> Iterator[list[_Run]]:
        line: list[_Run] = []
        used = 0.0
        space = font.getlength(" ")
        for word in words:
            width = font.getlength(word.text)
            if line and used + space + width > room:
                yield line
                line, used = [], 0.0
            line.append(word)
            used += (space if len(line) > 1 else 0.0) + width
        if line:
            yield line

    def draw(self) -> Image.Image:
        height = min(int(self.y) + MARGIN, MAX_HEIGHT)
        image = Image.new("RGB", (WIDTH, height), BACKGROUND)
        pen = ImageDraw.Draw(image)
        for x, y, text, style in self.items:
            if y + TEXT_SIZE > height:
                break
            font = self.title_font if style == "title" else self.text_font
            width = font.getlength(text)
            if style is WordOp.INSERTED:
                pen.rectangle((x - 3, y - 2, x + width + 3, y + TEXT_SIZE + 4), fill=ADDED_GROUND)
                pen.text((x, y), text, font=font, fill=ADDED)
            elif style is WordOp.DELETED:
                pen.text((x, y), text, font=font, fill=REMOVED)
                middle = y + TEXT_SIZE * 0.6
                pen.line((x - 1, middle, x + width + 1, middle), fill=REMOVED, width=3)
            else:
                pen.text((x, y), text, font=font, fill=MUTED if style == "label" else INK)
        return image


def alt_text(changes: Changes, headline: str, limit: int) -> str:
    """The picture in words, within `limit` characters (an attachment's description)."""
    count = len(changes.items)
    kinds = ", ".join(sorted({change_label(c.kind).lower() for c in changes.items}))
    text = (
        f"Redline of what changed in “{headline}”: {count} change{'' if count == 1 else 's'} ({kinds}). "
        "Removed words are struck through in red; added words are green."
    )
    return fit(text, limit)


def render_redline(changes: Changes, *, headline: str, alt_text_max: int) -> Redline | None:
    """The redline of `changes`, or None when there is nothing to draw (a first report)."""
    drawable = [c for c in changes.items if _runs(c)]
    if not drawable:
        return None
    canvas = _Canvas()
    canvas.title(fit(f"What changed: {headline}", 200))
    for change in drawable[:MAX_CHANGES]:
        canvas.label(change_label(change.kind).capitalize())
        canvas.paragraph(_runs(change))
    if len(drawable) > MAX_CHANGES:
        more = len(drawable) - MAX_CHANGES
        canvas.label(f"…and {more} more change{'' if more == 1 else 's'}, in the text above.")
    image = canvas.draw()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return Redline(buffer.getvalue(), alt_text(changes, headline, alt_text_max), image.width, image.height)
