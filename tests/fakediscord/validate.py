"""Checks on what the bot sends: Discord's documented limits, and Discord's own OpenAPI schema.

The two are complementary: the OpenAPI description is looser than the documented limits in places
(4000 characters of content, no 6000-character embed total), and the limits say nothing about shape.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from bot.discord import limits

PathPart = str | int


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a request body; `where` is the path into the JSON body."""

    where: tuple[PathPart, ...]
    message: str
    source: str = "limits"  # "limits" (documented limits) or "openapi" (Discord's schema)

    def __str__(self) -> str:
        where = ".".join(str(part) for part in self.where) or "(body)"
        return f"[{self.source}] {where}: {self.message}"


def _too_long(where: tuple[PathPart, ...], value: object, maximum: int, what: str) -> list[Problem]:
    if isinstance(value, str) and len(value) > maximum:
        return [Problem(where, f"{what} is {len(value)} characters, the limit is {maximum}")]
    return []


def _blank(where: tuple[PathPart, ...], value: object, what: str) -> list[Problem]:
    if not isinstance(value, str) or not value.strip():
        return [Problem(where, f"{what} must be a non-empty string")]
    return []


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []


# -- embeds -------------------------------------------------------------------------------------


def check_embed(embed: object, where: tuple[PathPart, ...]) -> list[Problem]:
    if not isinstance(embed, Mapping):
        return [Problem(where, "an embed must be an object")]
    problems = _too_long((*where, "title"), embed.get("title"), limits.EMBED_TITLE_MAX, "embed title")
    problems += _too_long(
        (*where, "description"), embed.get("description"), limits.EMBED_DESCRIPTION_MAX, "embed description"
    )
    fields = _as_list(embed.get("fields"))
    if len(fields) > limits.EMBED_FIELDS_MAX:
        problems.append(
            Problem((*where, "fields"), f"{len(fields)} fields, the limit is {limits.EMBED_FIELDS_MAX}")
        )
    for index, embed_field in enumerate(fields):
        field_where = (*where, "fields", index)
        if not isinstance(embed_field, Mapping):
            problems.append(Problem(field_where, "a field must be an object"))
            continue
        problems += _blank((*field_where, "name"), embed_field.get("name"), "field name")
        problems += _blank((*field_where, "value"), embed_field.get("value"), "field value")
        problems += _too_long(
            (*field_where, "name"), embed_field.get("name"), limits.EMBED_FIELD_NAME_MAX, "field name"
        )
        problems += _too_long(
            (*field_where, "value"), embed_field.get("value"), limits.EMBED_FIELD_VALUE_MAX, "field value"
        )
    footer = embed.get("footer")
    if isinstance(footer, Mapping):
        problems += _too_long(
            (*where, "footer", "text"), footer.get("text"), limits.EMBED_FOOTER_TEXT_MAX, "footer text"
        )
    author = embed.get("author")
    if isinstance(author, Mapping):
        problems += _too_long(
            (*where, "author", "name"), author.get("name"), limits.EMBED_AUTHOR_NAME_MAX, "author name"
        )
    return problems


def check_embeds(embeds: object, where: tuple[PathPart, ...] = ("embeds",)) -> list[Problem]:
    if embeds is None:
        return []
    if not isinstance(embeds, list):
        return [Problem(where, "embeds must be a list")]
    problems: list[Problem] = []
    if len(embeds) > limits.MESSAGE_EMBEDS_MAX:
        problems.append(Problem(where, f"{len(embeds)} embeds, the limit is {limits.MESSAGE_EMBEDS_MAX}"))
    for index, embed in enumerate(embeds):
        problems += check_embed(embed, (*where, index))
    total = limits.embeds_total_chars(embed for embed in embeds if isinstance(embed, Mapping))
    if total > limits.EMBED_TOTAL_CHARS_MAX:
        problems.append(
            Problem(where, f"embeds total {total} characters, the limit is {limits.EMBED_TOTAL_CHARS_MAX}")
        )
    return problems


# -- components ---------------------------------------------------------------------------------

COMPONENT_ACTION_ROW = 1
COMPONENT_BUTTON = 2
BUTTON_STYLE_LINK = 5
BUTTON_STYLE_PREMIUM = 6
SELECT_TYPES = frozenset({3, 5, 6, 7, 8})


def _check_button(button: Mapping[str, Any], where: tuple[PathPart, ...]) -> list[Problem]:
    problems = _too_long((*where, "label"), button.get("label"), limits.BUTTON_LABEL_MAX, "button label")
    style = button.get("style")
    custom_id = button.get("custom_id")
    if style == BUTTON_STYLE_LINK:
        if not button.get("url"):
            problems.append(Problem(where, "a link button needs a url"))
        if custom_id is not None:
            problems.append(Problem((*where, "custom_id"), "a link button cannot have a custom_id"))
    elif style != BUTTON_STYLE_PREMIUM:
        if not isinstance(custom_id, str) or not custom_id:
            problems.append(Problem((*where, "custom_id"), "a non-link button needs a custom_id"))
        problems += _too_long((*where, "custom_id"), custom_id, limits.CUSTOM_ID_MAX, "custom_id")
    return problems


def check_components(components: object, where: tuple[PathPart, ...] = ("components",)) -> list[Problem]:
    """Classic action rows only (not the newer layout components the bot does not use)."""
    if components is None:
        return []
    if not isinstance(components, list):
        return [Problem(where, "components must be a list")]
    problems: list[Problem] = []
    if len(components) > limits.ACTION_ROWS_MAX:
        problems.append(
            Problem(where, f"{len(components)} action rows, the limit is {limits.ACTION_ROWS_MAX}")
        )
    custom_ids: set[str] = set()
    for row_index, row in enumerate(components):
        row_where = (*where, row_index)
        if not isinstance(row, Mapping) or row.get("type") != COMPONENT_ACTION_ROW:
            problems.append(Problem(row_where, "a top-level component must be an action row (type 1)"))
            continue
        children = _as_list(row.get("components"))
        if not children:
            problems.append(Problem((*row_where, "components"), "an action row cannot be empty"))
        buttons = [child for child in children if isinstance(child, Mapping) and child.get("type") == 2]
        selects = [
            child for child in children if isinstance(child, Mapping) and child.get("type") in SELECT_TYPES
        ]
        if len(buttons) > limits.BUTTONS_PER_ROW_MAX:
            problems.append(
                Problem(
                    row_where, f"{len(buttons)} buttons in a row, the limit is {limits.BUTTONS_PER_ROW_MAX}"
                )
            )
        if selects and len(children) > 1:
            problems.append(Problem(row_where, "a select menu must be alone in its action row"))
        for child_index, child in enumerate(children):
            child_where = (*row_where, "components", child_index)
            if not isinstance(child, Mapping):
                problems.append(Problem(child_where, "a component must be an object"))
                continue
            if child.get("type") == COMPONENT_BUTTON:
                problems += _check_button(child, child_where)
            elif child.get("type") in SELECT_TYPES:
                problems += _too_long(
                    (*child_where, "custom_id"), child.get("custom_id"), limits.CUSTOM_ID_MAX, "custom_id"
                )
                options = _as_list(child.get("options"))
                if len(options) > limits.SELECT_OPTIONS_MAX:
                    problems.append(
                        Problem(
                            (*child_where, "options"),
                            f"{len(options)} select options, the limit is {limits.SELECT_OPTIONS_MAX}",
                        )
                    )
            custom_id = child.get("custom_id")
            if isinstance(custom_id, str):
                if custom_id in custom_ids:
                    problems.append(
                        Problem((*child_where, "custom_id"), f"custom_id {custom_id!r} is repeated")
                    )
                custom_ids.add(custom_id)
    return problems


# -- allowed mentions ---------------------------------------------------------------------------

MENTION_PARSE_TYPES = frozenset({"roles", "users", "everyone"})
ALLOWED_MENTIONS_KEYS = frozenset({"parse", "roles", "users", "replied_user"})


def check_allowed_mentions(
    value: object, where: tuple[PathPart, ...] = ("allowed_mentions",)
) -> list[Problem]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        return [Problem(where, "allowed_mentions must be an object")]
    problems = [Problem((*where, key), "unknown key") for key in value if key not in ALLOWED_MENTIONS_KEYS]
    parse = value.get("parse", [])
    if not isinstance(parse, list) or any(item not in MENTION_PARSE_TYPES for item in parse):
        problems.append(
            Problem((*where, "parse"), f"parse must be a list drawn from {sorted(MENTION_PARSE_TYPES)}")
        )
        parse = []
    for kind in ("users", "roles"):
        ids = value.get(kind)
        if ids is None:
            continue
        if not isinstance(ids, list) or not all(isinstance(item, str | int) for item in ids):
            problems.append(Problem((*where, kind), f"{kind} must be a list of ids"))
            continue
        if len(ids) > limits.ALLOWED_MENTIONS_IDS_MAX:
            problems.append(
                Problem((*where, kind), f"{len(ids)} ids, the limit is {limits.ALLOWED_MENTIONS_IDS_MAX}")
            )
        if ids and kind in parse:
            # Discord refuses both at once: "parse" already allows every one of that kind.
            problems.append(Problem((*where, kind), f"{kind} listed while parse also contains {kind!r}"))
    replied_user = value.get("replied_user")
    if replied_user is not None and not isinstance(replied_user, bool):
        problems.append(Problem((*where, "replied_user"), "replied_user must be a boolean"))
    return problems


# -- messages -----------------------------------------------------------------------------------

MESSAGE_PART_KEYS = ("content", "embeds", "components", "attachments", "sticker_ids", "poll")
ALLOWED_SEND_FLAGS = limits.FLAG_SUPPRESS_EMBEDS | limits.FLAG_EPHEMERAL | limits.FLAG_SUPPRESS_NOTIFICATIONS


def check_message(
    body: object,
    *,
    creating: bool,
    ephemeral_allowed: bool,
    has_files: bool = False,
    where: tuple[PathPart, ...] = (),
) -> list[Problem]:
    """A message create or edit body (channel message, interaction response data, webhook message)."""
    if not isinstance(body, Mapping):
        return [Problem(where, "the message body must be a JSON object")]
    problems = _too_long((*where, "content"), body.get("content"), limits.MESSAGE_CONTENT_MAX, "content")
    problems += check_embeds(body.get("embeds"), (*where, "embeds"))
    problems += check_components(body.get("components"), (*where, "components"))
    problems += check_allowed_mentions(body.get("allowed_mentions"), (*where, "allowed_mentions"))
    flags = body.get("flags")
    if flags is not None:
        if not isinstance(flags, int):
            problems.append(Problem((*where, "flags"), "flags must be an integer"))
        else:
            if flags & ~ALLOWED_SEND_FLAGS:
                problems.append(Problem((*where, "flags"), f"flags {flags} include bits a bot cannot set"))
            if flags & limits.FLAG_EPHEMERAL and not ephemeral_allowed:
                problems.append(
                    Problem((*where, "flags"), "the ephemeral flag only works on interaction responses")
                )
    if creating and not has_files and not any(body.get(key) for key in MESSAGE_PART_KEYS):
        problems.append(Problem(where, "cannot send an empty message"))
    return problems


# -- application commands ----------------------------------------------------------------------

COMMAND_TYPE_CHAT_INPUT = 1
OPTION_TYPE_SUB_COMMAND = 1
OPTION_TYPE_SUB_COMMAND_GROUP = 2


def _check_name(
    where: tuple[PathPart, ...], name: object, maximum: int, what: str, *, lowercase: bool
) -> list[Problem]:
    if not isinstance(name, str) or not name:
        return [Problem(where, f"{what} must be a non-empty string")]
    problems = _too_long(where, name, maximum, what)
    if lowercase and (name != name.lower() or any(char.isspace() for char in name)):
        problems.append(Problem(where, f"{what} {name!r} must be lowercase with no spaces"))
    return problems


def check_choices(choices: object, where: tuple[PathPart, ...], maximum: int) -> list[Problem]:
    if choices is None:
        return []
    if not isinstance(choices, list):
        return [Problem(where, "choices must be a list")]
    problems: list[Problem] = []
    if len(choices) > maximum:
        problems.append(Problem(where, f"{len(choices)} choices, the limit is {maximum}"))
    for index, choice in enumerate(choices):
        choice_where = (*where, index)
        if not isinstance(choice, Mapping):
            problems.append(Problem(choice_where, "a choice must be an object"))
            continue
        name = choice.get("name")
        if not isinstance(name, str) or not name:
            problems.append(Problem((*choice_where, "name"), "choice name must be a non-empty string"))
        problems += _too_long((*choice_where, "name"), name, limits.CHOICE_NAME_MAX, "choice name")
        problems += _too_long(
            (*choice_where, "value"), choice.get("value"), limits.CHOICE_VALUE_MAX, "choice value"
        )
    return problems


def _check_options(options: object, where: tuple[PathPart, ...]) -> list[Problem]:
    if options is None:
        return []
    if not isinstance(options, list):
        return [Problem(where, "options must be a list")]
    problems: list[Problem] = []
    if len(options) > limits.COMMAND_OPTIONS_MAX:
        problems.append(Problem(where, f"{len(options)} options, the limit is {limits.COMMAND_OPTIONS_MAX}"))
    seen_required_after_optional = False
    optional_seen = False
    for index, option in enumerate(options):
        option_where = (*where, index)
        if not isinstance(option, Mapping):
            problems.append(Problem(option_where, "an option must be an object"))
            continue
        problems += _check_name(
            (*option_where, "name"), option.get("name"), limits.OPTION_NAME_MAX, "option name", lowercase=True
        )
        problems += _check_name(
            (*option_where, "description"),
            option.get("description"),
            limits.OPTION_DESCRIPTION_MAX,
            "option description",
            lowercase=False,
        )
        problems += check_choices(
            option.get("choices"), (*option_where, "choices"), limits.OPTION_CHOICES_MAX
        )
        if option.get("choices") and option.get("autocomplete"):
            problems.append(Problem(option_where, "an option cannot have both choices and autocomplete"))
        if option.get("type") in (OPTION_TYPE_SUB_COMMAND, OPTION_TYPE_SUB_COMMAND_GROUP):
            problems += _check_options(option.get("options"), (*option_where, "options"))
        elif option.get("required"):
            seen_required_after_optional = seen_required_after_optional or optional_seen
        else:
            optional_seen = True
    if seen_required_after_optional:
        problems.append(Problem(where, "required options must come before optional ones"))
    return problems


def check_command(command: object, where: tuple[PathPart, ...] = ()) -> list[Problem]:
    if not isinstance(command, Mapping):
        return [Problem(where, "a command must be an object")]
    chat_input = command.get("type", COMMAND_TYPE_CHAT_INPUT) == COMMAND_TYPE_CHAT_INPUT
    problems = _check_name(
        (*where, "name"), command.get("name"), limits.COMMAND_NAME_MAX, "command name", lowercase=chat_input
    )
    if chat_input:
        problems += _check_name(
            (*where, "description"),
            command.get("description"),
            limits.COMMAND_DESCRIPTION_MAX,
            "command description",
            lowercase=False,
        )
        problems += _check_options(command.get("options"), (*where, "options"))
    return problems


def check_command_list(commands: object) -> list[Problem]:
    if not isinstance(commands, list):
        return [Problem((), "a bulk overwrite body must be a list of commands")]
    problems: list[Problem] = []
    seen: set[tuple[object, object]] = set()
    for index, command in enumerate(commands):
        problems += check_command(command, (index,))
        if isinstance(command, Mapping):
            key = (command.get("type", COMMAND_TYPE_CHAT_INPUT), command.get("name"))
            if key in seen:
                problems.append(Problem((index, "name"), f"command {key[1]!r} is registered twice"))
            seen.add(key)
    return problems


# -- interaction callbacks ----------------------------------------------------------------------

CALLBACK_PONG = 1
CALLBACK_CHANNEL_MESSAGE = 4
CALLBACK_DEFERRED_CHANNEL_MESSAGE = 5
CALLBACK_DEFERRED_UPDATE_MESSAGE = 6
CALLBACK_UPDATE_MESSAGE = 7
CALLBACK_AUTOCOMPLETE_RESULT = 8
CALLBACK_MODAL = 9


def check_interaction_callback(body: object, interaction_type: int | None = None) -> list[Problem]:
    """An interaction response; `interaction_type` (2, 3, 4...) when the fake knows the interaction."""
    if not isinstance(body, Mapping):
        return [Problem((), "the callback body must be a JSON object")]
    callback_type = body.get("type")
    data = body.get("data")
    if callback_type == CALLBACK_PONG:
        return [Problem(("type",), "PONG is only for HTTP interactions, not gateway ones")]
    if callback_type == CALLBACK_CHANNEL_MESSAGE:
        return check_message(data, creating=True, ephemeral_allowed=True, where=("data",))
    if callback_type == CALLBACK_UPDATE_MESSAGE:
        problems = check_message(data, creating=False, ephemeral_allowed=False, where=("data",))
        if interaction_type is not None and interaction_type != 3:
            problems.append(Problem(("type",), "UPDATE_MESSAGE only answers a component interaction"))
        return problems
    if callback_type in (CALLBACK_DEFERRED_CHANNEL_MESSAGE, CALLBACK_DEFERRED_UPDATE_MESSAGE):
        problems = []
        if isinstance(data, Mapping):
            problems += check_message(data, creating=False, ephemeral_allowed=True, where=("data",))
        if callback_type == CALLBACK_DEFERRED_UPDATE_MESSAGE and interaction_type not in (None, 3):
            problems.append(
                Problem(("type",), "DEFERRED_UPDATE_MESSAGE only answers a component interaction")
            )
        return problems
    if callback_type == CALLBACK_AUTOCOMPLETE_RESULT:
        problems = []
        if interaction_type not in (None, 4):
            problems.append(
                Problem(("type",), "AUTOCOMPLETE_RESULT only answers an autocomplete interaction")
            )
        if not isinstance(data, Mapping):
            return [*problems, Problem(("data",), "an autocomplete result needs data.choices")]
        return problems + check_choices(
            data.get("choices"), ("data", "choices"), limits.AUTOCOMPLETE_CHOICES_MAX
        )
    if callback_type == CALLBACK_MODAL:
        return []
    return [Problem(("type",), f"unknown interaction callback type {callback_type!r}")]


# -- dispatch by route ----------------------------------------------------------------------------

RouteKey = tuple[
    str, str
]  # (HTTP method, path template as in Discord's OpenAPI, e.g. /channels/{channel_id})
LimitCheck = Callable[[object, bool], list[Problem]]  # (body, has_files) -> problems


def _message_create(ephemeral_allowed: bool) -> LimitCheck:
    return lambda body, has_files: check_message(
        body, creating=True, ephemeral_allowed=ephemeral_allowed, has_files=has_files
    )


def _message_edit(body: object, has_files: bool) -> list[Problem]:
    return check_message(body, creating=False, ephemeral_allowed=False, has_files=has_files)


def _check_thread(body: object, has_files: bool, *, forum: bool) -> list[Problem]:
    """A thread to start: a name of 1 to 100 characters, an archive duration Discord offers, and
    (in a forum channel) its first message."""
    if not isinstance(body, Mapping):
        return [Problem((), "the thread body must be a JSON object")]
    problems = _blank(("name",), body.get("name"), "thread name")
    problems += _too_long(("name",), body.get("name"), limits.THREAD_NAME_MAX, "thread name")
    duration = body.get("auto_archive_duration")
    if duration is not None and duration not in limits.THREAD_AUTO_ARCHIVE_MINUTES:
        problems.append(
            Problem(
                ("auto_archive_duration",),
                f"{duration} is not one of {limits.THREAD_AUTO_ARCHIVE_MINUTES} minutes",
            )
        )
    if forum and "message" in body:
        problems += check_message(
            body["message"], creating=True, ephemeral_allowed=False, has_files=has_files, where=("message",)
        )
    return problems


LIMIT_CHECKS: dict[RouteKey, LimitCheck] = {
    ("POST", "/channels/{channel_id}/threads"): lambda body, files: _check_thread(body, files, forum=True),
    ("POST", "/channels/{channel_id}/messages/{message_id}/threads"): lambda body, files: _check_thread(
        body, files, forum=False
    ),
    ("POST", "/channels/{channel_id}/messages"): _message_create(ephemeral_allowed=False),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"): _message_edit,
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"): _message_create(ephemeral_allowed=True),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"): _message_edit,
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"): _message_edit,
    ("PUT", "/applications/{application_id}/commands"): lambda body, _: check_command_list(body),
    ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands"): lambda body, _: check_command_list(
        body
    ),
    ("POST", "/applications/{application_id}/commands"): lambda body, _: check_command(body),
    ("POST", "/applications/{application_id}/guilds/{guild_id}/commands"): lambda body, _: check_command(
        body
    ),
}


def check_limits(route: RouteKey, body: object, *, has_files: bool = False) -> list[Problem]:
    """Documented-limit problems of one request body (callbacks: see check_interaction_callback)."""
    check = LIMIT_CHECKS.get(route)
    return check(body, has_files) if check is not None else []


# -- Discord's OpenAPI description ---------------------------------------------------------------

SPEC_URI = "urn:discord-openapi"
MAX_SCHEMA_PROBLEMS = 5
MAX_MESSAGE_CHARS = 300


def _with_integer_snowflakes(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec with SnowflakeType also accepting integers (a copy; the argument is left alone).

    The description says snowflakes are strings, but Discord accepts integers too, and discord.py
    sends some as integers (attachment ids in file uploads, for one).
    """
    schemas = dict(spec.get("components", {}).get("schemas", {}))
    if "SnowflakeType" in schemas:
        schemas["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
    return {**spec, "components": {**spec.get("components", {}), "schemas": schemas}}


def _pointer_escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


class OpenApiIndex:
    """Discord's OpenAPI document, indexed by (method, path template), with validators built on first use.

    Load it once per test session: parsing is quick, but each operation's validator is cached here.
    """

    def __init__(self, spec: Mapping[str, Any]) -> None:
        self._registry: Registry[Any] = Registry().with_resource(
            SPEC_URI,
            Resource.from_contents(_with_integer_snowflakes(spec), default_specification=DRAFT202012),
        )
        self._json_body_pointers: dict[RouteKey, str] = {}
        self.operations: frozenset[RouteKey] = frozenset()
        operations: set[RouteKey] = set()
        for template, path_item in spec.get("paths", {}).items():
            for method, operation in path_item.items():
                if method == "parameters" or not isinstance(operation, Mapping):
                    continue
                route = (method.upper(), template)
                operations.add(route)
                content = (operation.get("requestBody") or {}).get("content") or {}
                if "application/json" in content:
                    parts = [
                        "paths",
                        template,
                        method,
                        "requestBody",
                        "content",
                        "application/json",
                        "schema",
                    ]
                    self._json_body_pointers[route] = "/" + "/".join(_pointer_escape(part) for part in parts)
        self.operations = frozenset(operations)
        self._validators: dict[RouteKey, Draft202012Validator] = {}

    @classmethod
    def load(cls, path: Path) -> OpenApiIndex:
        with path.open(encoding="utf-8") as spec_file:
            return cls(json.load(spec_file))

    def has_operation(self, route: RouteKey) -> bool:
        return route in self.operations

    def _validator(self, route: RouteKey) -> Draft202012Validator | None:
        if route not in self._validators:
            pointer = self._json_body_pointers.get(route)
            if pointer is None:
                return None
            self._validators[route] = Draft202012Validator(
                {"$ref": f"{SPEC_URI}#{pointer}"}, registry=self._registry
            )
        return self._validators[route]

    def check_body(self, route: RouteKey, body: object) -> list[Problem]:
        """Problems of a JSON request body against the operation's requestBody schema."""
        if route not in self.operations:
            return [Problem((), f"{route[0]} {route[1]} is not an operation in Discord's OpenAPI", "openapi")]
        validator = self._validator(route)
        if validator is None:
            return []
        problems = []
        for error in sorted(validator.iter_errors(body), key=lambda error: list(error.absolute_path)):
            message = error.message
            if len(message) > MAX_MESSAGE_CHARS:
                message = message[:MAX_MESSAGE_CHARS] + "…"
            problems.append(Problem(tuple(error.absolute_path), message, "openapi"))
            if len(problems) == MAX_SCHEMA_PROBLEMS:
                break
        return problems


def errors_body(problems: Sequence[Problem]) -> dict[str, Any]:
    """Discord's 400 Invalid Form Body shape (nested `errors`, `_errors` lists); discord.py flattens it."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.where:
            node = node.setdefault(str(part), {})
        node.setdefault("_errors", []).append({"code": "FAKE_DISCORD_INVALID", "message": str(problem)})
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def describe(problems: Iterable[Problem]) -> str:
    return "; ".join(str(problem) for problem in problems)
