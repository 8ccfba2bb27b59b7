"""The one configuration object: FEEDS.toml + STANCEWATCH_* environment + CLI flags.

Validated once at the edge; errors are one line that names the file and line.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from extractors.http import DEFAULT_USER_AGENT, FetchPolicy
from extractors.urls import parse_networks


class ConfigError(ValueError):
    """A configuration problem the user can fix (one line)."""


@dataclass(frozen=True)
class FeedSpec:
    url: str
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Settings:
    politeness_delay: float = 1.0
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 30.0
    max_bytes: int = 5_000_000
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 30.0
    per_domain_concurrency: int = 2
    fetch_workers: int = 8
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()
    respect_robots: bool = True
    max_items_per_feed: int = 500
    min_text_chars: int = 250
    batch_size: int = 64
    model: str | None = None
    actors_file: str | None = None
    report_dir: str | None = None

    def fetch_policy(self) -> FetchPolicy:
        names = {f.name for f in fields(FetchPolicy)}
        return FetchPolicy(**{name: getattr(self, name) for name in names})


@dataclass(frozen=True)
class Config:
    feeds: tuple[FeedSpec, ...]
    settings: Settings = field(default_factory=Settings)
    source_file: Path | None = None


FEED_KEYS = {f.name for f in fields(FeedSpec)}
SETTING_TYPES = {f.name: f.type for f in fields(Settings)}


def _line_of(text: str, needle: str, start_line: int = 1) -> int:
    lines = text.splitlines()
    for number in range(max(1, start_line), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return 0


def _coerce(name: str, value: object, where: str) -> object:
    kind = SETTING_TYPES[name]
    if name == "allowed_networks":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: {name} must be a list of networks like \"10.0.0.0/8\"")
        try:
            parse_networks([item.strip() for item in items if item.strip()])
        except ValueError as exc:
            raise ConfigError(f"{where}: {name}: {exc}") from None
        return tuple(item.strip() for item in items if item.strip())
    if kind == "bool" or kind == bool:  # noqa: E721 - annotations are strings here
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
        raise ConfigError(f"{where}: {name} must be true or false, not {value!r}")
    if kind in ("int", int, "float", float):
        convert, noun = (int, "an integer") if kind in ("int", int) else (float, "a number")
        if isinstance(value, bool) or not isinstance(value, int | float | str) or (
                convert is int and isinstance(value, float)):
            raise ConfigError(f"{where}: {name} must be {noun}, not {value!r}")
        try:
            number = convert(value)
        except ValueError:
            raise ConfigError(f"{where}: {name} must be {noun}, not {value!r}") from None
        if number < 0:
            raise ConfigError(f"{where}: {name} must not be negative")
        return number
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string, not {value!r}")
    return value


def _check_feed_url(url: object, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{where}: url must be a non-empty string")
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{where}: url {url!r} is not an http(s) URL")
    if not parts.hostname:
        raise ConfigError(f"{where}: url {url!r} has no host")
    return url.strip()


def load_config(path: Path, environ: dict[str, str] | None = None) -> Config:
    """Read FEEDS.toml, then apply STANCEWATCH_<SETTING> environment overrides."""
    environ = dict(os.environ if environ is None else environ)
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a feeds file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"feeds file {path} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read feeds file {path}: {exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(document) - {"feeds", "settings"}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{path}:{_line_of(text, key)}: unknown top-level key {key!r} "
                          "(expected [settings] and [[feeds]])")
    raw_settings = document.get("settings", {})
    if not isinstance(raw_settings, dict):
        raise ConfigError(f"{path}: settings must be a table ([settings])")
    values: dict[str, object] = {}
    settings_line = _line_of(text, "[settings]")
    for key, value in raw_settings.items():
        where = f"{path}:{_line_of(text, key, settings_line)}"
        if key not in SETTING_TYPES:
            raise ConfigError(f"{where}: unknown setting {key!r}")
        values[key] = _coerce(key, value, where)
    for key in SETTING_TYPES:
        env_name = f"STANCEWATCH_{key.upper()}"
        if env_name in environ:
            values[key] = _coerce(key, environ[env_name], f"environment {env_name}")
    raw_feeds = document.get("feeds")
    if not isinstance(raw_feeds, list) or not raw_feeds:
        raise ConfigError(f"{path}: no [[feeds]] tables (each needs at least url = \"...\")")
    feeds: list[FeedSpec] = []
    seen: set[str] = set()
    search_from = 1
    for index, raw in enumerate(raw_feeds, start=1):
        line = _line_of(text, "[[feeds]]", search_from)
        search_from = line + 1
        where = f"{path}:{line or '?'} (feed {index})"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a [[feeds]] table")
        unknown_keys = set(raw) - FEED_KEYS
        if unknown_keys:
            key = sorted(unknown_keys)[0]
            raise ConfigError(f"{path}:{_line_of(text, key, line)}: unknown feed key {key!r} "
                              "(expected url, name, language)")
        if "url" not in raw:
            raise ConfigError(f"{where}: missing url")
        url_line = _line_of(text, "url", line)
        url = _check_feed_url(raw.get("url"), f"{path}:{url_line or line} (feed {index})")
        for key in ("name", "language"):
            if key in raw and not isinstance(raw[key], str):
                raise ConfigError(f"{where}: {key} must be a string")
        if url in seen:
            continue
        seen.add(url)
        feeds.append(FeedSpec(url=url, name=raw.get("name"), language=raw.get("language")))
    return Config(feeds=tuple(feeds), settings=Settings(**values), source_file=path)


def with_overrides(config: Config, **overrides: object) -> Config:
    """CLI flags win over the file and the environment; None means 'not given'."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return replace(config, settings=replace(config.settings, **given))


_PLACEHOLDER = re.compile(r"\{\{BASE:([\w-]+)\}\}")


def render_placeholders(text: str, bases: dict[str, str]) -> str:
    """Substitute {{BASE:slug}} with an outlet's base URL (demo and test outlets)."""
    return _PLACEHOLDER.sub(lambda m: bases.get(m.group(1), m.group(0)), text)
