"""The topic registry: models/topics.toml, read once and checked.

Everything that names a topic (the model interface, the zero-shot backend, the report, the
CLI, the dataset tools, the benchmarks) asks this module, so a topic exists in one place.
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from stancewatch.errors import ConfigError

TOPICS_FILE = Path(__file__).resolve().parent / "topics.toml"
_NAME = re.compile(r"^[a-z][a-z_]*$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_KEYS = ("name", "label", "description", "colour", "hypotheses")
_HYPOTHESES = ("about", "favor", "against")


class TopicFileError(ConfigError):
    """The topic registry is malformed (names the file and the topic at fault)."""


@dataclass(frozen=True)
class Hypotheses:
    """NLI hypotheses for the zero-shot backend: on topic, the speaker for it, against it."""

    about: str
    favor: str
    against: str


@dataclass(frozen=True)
class Topic:
    name: str
    label: str
    description: str
    colour: str
    hypotheses: Hypotheses


def _topic(path: Path, number: int, raw: object) -> Topic:
    where = f"{path}: topic {number}"
    if not isinstance(raw, dict):
        raise TopicFileError(f"{where}: expected a [[topic]] table")
    unknown = sorted(set(raw) - set(_KEYS))
    missing = [key for key in _KEYS if key not in raw]
    if unknown or missing:
        raise TopicFileError(f"{where}: " + "; ".join(
            part for part in (f"unknown key(s) {', '.join(unknown)}" if unknown else "",
                              f"missing {', '.join(missing)}" if missing else "") if part)
            + f" (expected {', '.join(_KEYS)})")
    name = raw["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        raise TopicFileError(f"{where}: name {name!r} is not a lower-case identifier")
    where = f"{path}: topic {name!r}"
    for key in ("label", "description"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise TopicFileError(f"{where}: {key} must be non-empty text")
    if not isinstance(raw["colour"], str) or not _COLOUR.match(raw["colour"]):
        raise TopicFileError(f"{where}: colour {raw['colour']!r} is not #rrggbb")
    hypotheses = raw["hypotheses"]
    if not isinstance(hypotheses, dict) or set(hypotheses) != set(_HYPOTHESES) or not all(
            isinstance(text, str) and text.strip() for text in hypotheses.values()):
        raise TopicFileError(f"{where}: hypotheses must be a table of non-empty "
                             f"{', '.join(_HYPOTHESES)}")
    return Topic(name, raw["label"].strip(), raw["description"].strip(), raw["colour"],
                 Hypotheses(**{key: hypotheses[key].strip() for key in _HYPOTHESES}))


def read_topics(path: Path) -> tuple[Topic, ...]:
    """Parse and check a topic file (`load_topics` caches the bundled one)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TopicFileError(f"{path}: cannot read the topic registry ({exc})") from None
    if set(data) != {"topic"} or not isinstance(data["topic"], list) or not data["topic"]:
        raise TopicFileError(f"{path}: expected one or more [[topic]] tables and nothing else")
    topics = tuple(_topic(path, number, raw) for number, raw in enumerate(data["topic"], start=1))
    names = [topic.name for topic in topics]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise TopicFileError(f"{path}: topic {', '.join(map(repr, repeated))} listed twice")
    return topics


@functools.cache
def load_topics() -> tuple[Topic, ...]:
    """The registry, in file order, read once per process."""
    return read_topics(TOPICS_FILE)


def topic_names() -> tuple[str, ...]:
    return tuple(topic.name for topic in load_topics())


def get_topic(name: str) -> Topic:
    """The registry entry for `name`; KeyError when it is not a topic."""
    for topic in load_topics():
        if topic.name == name:
            return topic
    raise KeyError(name)


def topic_labels() -> dict[str, str]:
    """name -> label, in registry order."""
    return {topic.name: topic.label for topic in load_topics()}
