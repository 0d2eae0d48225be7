"""English verb forms a headline needs: auxiliaries, speech verbs, irregular pasts and the present
tense of a verb from its past ("skipped" -> "skips"), written from English spelling rules."""

from __future__ import annotations

from bot.brief.text import word_set

AUXILIARIES = word_set(
    "is are was were be been being am has have had will would can could may might must shall should "
    "do does did 's ’s isn't aren't wasn't weren't hasn't haven't won't can't couldn't didn't doesn't"
)
SPEECH_VERBS = word_set(
    "said says say told tells tell announced announces reported reports claimed claims warned warns "
    "added adds confirmed confirms revealed reveals insisted insists argued argues stated states "
    "admitted admits suggested suggests believes believed predicted predicts wrote writes explained "
    "explains noted notes urged urges disclosed discloses"
)


def _pairs(words: str) -> dict[str, str]:
    """ "won win made make" -> {"won": "win", "made": "make"}."""
    items = words.split()
    return dict(zip(items[::2], items[1::2], strict=True))


# Irregular past forms (and participles) that headlines often carry, with their present stem.
IRREGULAR_PASTS = _pairs(
    "died die tied tie lied lie won win hit hit made make said say told tell held hold lost lose left "
    "leave sold sell bought buy found find paid pay kept keep put put set set cut cut led lead met "
    "meet sent send spent spend built build struck strike got get brought bring thought think fell "
    "fall rose rise began begin became become came come went go took take gave give saw see ran run "
    "quit quit beat beat shut shut grew grow knew know threw throw drew draw flew fly blew blow broke "
    "break spoke speak chose choose froze freeze stole steal woke wake wrote write drove drive rode "
    "ride fought fight sought seek taught teach caught catch withdrew withdraw overtook overtake "
    "undertook undertake overcame overcome withstood withstand forgot forget forgave forgive hid hide "
    "sank sink sang sing swam swim fled flee meant mean dealt deal slept sleep swept sweep stood stand "
    "understood understand heard hear wore wear tore tear swore swear shook shake upheld uphold "
    "rebuilt rebuild slid slide stuck stick sat sit laid lay sped speed"
)
IRREGULAR_PARTICIPLES = _pairs(
    "died die tied tie lied lie won win hit hit made make said say told tell held hold lost lose left "
    "leave sold sell bought buy found find paid pay kept keep put put set set cut cut led lead met "
    "meet sent send spent spend built build struck strike brought bring fallen fall risen rise begun "
    "begin become become come come gone go taken take given give seen see run run quit quit beaten "
    "beat shut shut got get chosen choose driven drive shown show grown grow known know thrown throw "
    "written write spoken speak stolen steal broken break frozen freeze hidden hide sworn swear torn "
    "tear worn wear drawn draw withdrawn withdraw overtaken overtake undertaken undertake stood stand "
    "understood understand taught teach caught catch fought fight sought seek stuck stick felt feel "
    "dealt deal meant mean heard hear fled flee spread spread let let hurt hurt cost cost shot shoot "
    "bid bid forecast forecast upset upset split split thought think eaten eat forgotten forget "
    "ridden ride arisen arise"
)


def present_form(stem: str, singular: bool) -> str:
    if not singular:
        return stem
    if stem.endswith(("s", "sh", "ch", "x", "z", "o")):
        return stem + "es"
    if stem.endswith("y") and len(stem) > 2 and stem[-2] not in "aeiou":
        return stem[:-1] + "ies"
    return stem + "s"


_NO_E_ENDINGS = tuple(
    word_set(
        "ct nt st rm lp sh ch ck rn wn ll ss pt ft lt rt mp nd rd ld sk rk lk nk ow aw ew ay ey oy "
        "er ain ean oin eal ail oil ool eat oat ear air oor our en on eed oad eak ook eep oop eem eam oom"
    )
)


# Endings after which a regular verb's stem takes back its "e" ("voted" -> "vote").
_E_ENDINGS = tuple(word_set("at ut ot ir ur ar or iz is us as os ag c v ng"))


def regular_stem(past: str) -> str | None:
    """The present stem of a regular "-ed" verb, where the spelling leaves no doubt; else None."""
    if not past.endswith("ed") or len(past) < 5:
        return None
    if past.endswith("ied"):
        return past[:-3] + "y"
    if past.endswith("eed"):
        return past[:-1]
    body = past[:-2]
    if len(body) >= 3 and body[-1] == body[-2] and body[-1] in "bdgmnprt" and body != "add":
        return body[:-1]
    if body.endswith(_NO_E_ENDINGS) or body.endswith(("ss",)):
        return body
    if body.endswith(_E_ENDINGS) and (body.endswith(("ang", "eng", "ing")) or not body.endswith("ng")):
        return body + "e"
    return None
