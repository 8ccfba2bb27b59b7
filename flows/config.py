"""The one configuration object: FEEDS.toml + STANCEWATCH_* environment + CLI flags / API
keyword arguments, validated once at the edge. Each setting is defined once (default,
documented range, purpose) on `FetchPolicy` or `Settings`; errors are one line that names
the file and line (or the variable / argument) and the allowed range.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stancewatch.errors import ConfigError
from stancewatch.extractors.http import FetchPolicy, setting
from stancewatch.extractors.urls import parse_networks

__all__ = ["Config", "ConfigError", "FeedSpec", "Settings", "load_config", "settings_table"]

MAX_FEEDS_FILE_BYTES = 4_000_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class FeedSpec:
    url: str
    name: str | None = None
    language: str | None = None


@dataclass(frozen=True)
class Settings(FetchPolicy):
    """Everything a run can be told; the fetch settings come from FetchPolicy."""

    fetch_workers: int = setting(8, "pages fetched and extracted in parallel", 1, 64)
    max_items_per_feed: int = setting(500, "items read from one feed per run", 1, 100_000)
    min_text_chars: int = setting(250, "shortest article text kept", 0, 100_000)
    batch_size: int = setting(64, "articles per batch (one transaction each)", 1, 10_000)
    max_sentences_per_article: int = setting(
        1_500, "sentences kept and classified per article; the rest are dropped and counted "
        "(runs.sentences_capped)", 1, 100_000)
    max_sitemaps: int = setting(50, "sitemap files read per site in a backfill", 1, 10_000)
    max_sitemap_urls: int = setting(10_000, "articles queued from one site's sitemaps in a "
                                    "backfill", 1, 10_000_000)
    model: str | None = setting(None, "classifier: artefact folder or hub model name "
                                "(default: the bundled model)")
    actors_file: str | None = setting(None, "extra holder table (TOML or CSV), merged over the "
                                      "bundled one")
    report_dir: str | None = setting(None, "folder the daily run writes its report to")

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(**{f.name: getattr(self, f.name) for f in fields(FetchPolicy)})


@dataclass(frozen=True)
class Config:
    feeds: tuple[FeedSpec, ...]
    settings: Settings = field(default_factory=Settings)
    source_file: Path | None = None


FEED_KEYS = {f.name for f in fields(FeedSpec)}
SETTING_FIELDS = {f.name: f for f in fields(Settings)}


def _number_text(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def settings_table() -> list[tuple[str, object, str, str]]:
    """(name, default, allowed, purpose) for every setting: the README's table."""
    rows = []
    for name, spec in SETTING_FIELDS.items():
        low, high = spec.metadata["range"]
        choices = spec.metadata["choices"]
        kinds = {"bool": "true / false", "tuple[str, ...]": "list of networks (CIDR)"}
        allowed = (" / ".join(choices) if choices
                   else f"{_number_text(low)} – {_number_text(high)}" if low is not None
                   else kinds.get(str(spec.type), "text"))
        rows.append((name, spec.default, allowed, spec.metadata["doc"]))
    return rows


def _line_of(text: str, needle: str, start_line: int = 1) -> int:
    lines = text.splitlines()
    for number in range(max(1, start_line), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return 0


def _number(name: str, value: object, kind: str, where: str) -> int | float:
    convert, noun = (int, "an integer") if kind == "int" else (float, "a number")
    if isinstance(value, bool) or not isinstance(value, int | float | str) or (
            convert is int and isinstance(value, float)):
        raise ConfigError(f"{where}: {name} must be {noun}, not {value!r}")
    try:
        number = convert(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        raise ConfigError(f"{where}: {name} must be {noun}, not {value!r}") from None
    if isinstance(number, float) and not math.isfinite(number):
        raise ConfigError(f"{where}: {name} must be a finite number, not {value!r}")
    low, high = SETTING_FIELDS[name].metadata["range"]
    if low is not None and not low <= number <= high:
        raise ConfigError(f"{where}: {name} = {value!r} is out of range ({low:g} to {high:g})")
    return number


def coerce_setting(name: str, value: object, where: str) -> object:
    """One setting's value, checked against its type and documented range."""
    if name not in SETTING_FIELDS:
        raise ConfigError(f"{where}: unknown setting {name!r}")
    kind = str(SETTING_FIELDS[name].type)
    if name == "allowed_networks":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise ConfigError(f"{where}: {name} must be a list of networks like \"10.0.0.0/8\"")
        items = [item.strip() for item in items if item.strip()]
        try:
            parse_networks(items)
        except ValueError as exc:
            raise ConfigError(f"{where}: {name}: {exc}") from None
        return tuple(items)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.strip().lower() in ("1", "true", "yes")
        raise ConfigError(f"{where}: {name} must be true or false, not {value!r}")
    if kind in ("int", "float"):
        return _number(name, value, kind, where)
    if value is None and "None" in kind:
        return None
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {name} must be a string, not {value!r}")
    if _CONTROL.search(value):
        raise ConfigError(f"{where}: {name} must not contain control characters")
    choices = SETTING_FIELDS[name].metadata["choices"]
    if choices and value not in choices:
        raise ConfigError(f"{where}: {name} must be one of {', '.join(choices)}, not {value!r}")
    if name == "user_agent" and not value.strip():
        raise ConfigError(f"{where}: user_agent must not be empty")
    return value


def check_overrides(overrides: Mapping[str, object], where: str) -> dict[str, Any]:
    """CLI flags and API keyword arguments, validated like the file (None: not given); each
    value coerced to its setting's type (hence Any)."""
    return {name: coerce_setting(name, value, f"{where} {name}")
            for name, value in overrides.items() if value is not None}


def _check_feed_url(url: object, where: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ConfigError(f"{where}: url must be a non-empty string")
    text = url.strip()
    if _CONTROL.search(text):
        raise ConfigError(f"{where}: url {text!r} contains control characters")
    try:  # a port out of range is left to the run: that feed's recorded failure
        parts = urlsplit(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: url {text!r} is malformed ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise ConfigError(f"{where}: url {text!r} is not an http(s) URL")
    if not parts.hostname:
        raise ConfigError(f"{where}: url {text!r} has no host")
    return text


def _environment_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in SETTING_FIELDS:
        env_name = f"STANCEWATCH_{key.upper()}"
        if env_name in environ:
            values[key] = coerce_setting(key, environ[env_name], f"environment {env_name}")
    return values


def _read_feeds_file(path: Path) -> str:
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a feeds file")
    try:
        with open(path, "rb") as handle:
            if not path.is_file():
                raise ConfigError(f"feeds file {path} is not a regular file")
            data = handle.read(MAX_FEEDS_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"feeds file {path} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read feeds file {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FEEDS_FILE_BYTES:
        raise ConfigError(f"feeds file {path} is larger than {MAX_FEEDS_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"feeds file {path} is not UTF-8 text ({exc.reason} at byte "
                          f"{exc.start})") from None


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read FEEDS.toml, then apply STANCEWATCH_<SETTING> environment overrides."""
    environ = os.environ if environ is None else environ
    text = _read_feeds_file(path)
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
    values: dict[str, Any] = {}  # coerced to each setting's type
    settings_line = _line_of(text, "[settings]")
    for key, value in raw_settings.items():
        values[key] = coerce_setting(key, value, f"{path}:{_line_of(text, key, settings_line)}")
    values.update(_environment_settings(environ))
    raw_feeds = document.get("feeds")
    if not isinstance(raw_feeds, list) or not raw_feeds:
        raise ConfigError(f"{path}: no [[feeds]] tables (each needs at least url = \"...\")")
    feeds: list[FeedSpec] = []
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
        feeds.append(FeedSpec(url=url, name=raw.get("name"), language=raw.get("language")))
    return Config(feeds=_unique(feeds), settings=Settings(**values), source_file=path)


def config_from_urls(urls: Sequence[str], environ: Mapping[str, str] | None = None) -> Config:
    """A Config for a list of feed URLs (the Python API), with environment settings."""
    environ = os.environ if environ is None else environ
    if isinstance(urls, str):
        raise ConfigError("feeds must be a feeds file path or a list of feed URLs")
    feeds = [FeedSpec(url=_check_feed_url(url, f"feed {index}"))
             for index, url in enumerate(urls, start=1)]
    if not feeds:
        raise ConfigError("no feeds given")
    return Config(feeds=_unique(feeds), settings=Settings(**_environment_settings(environ)))


def _unique(feeds: Sequence[FeedSpec]) -> tuple[FeedSpec, ...]:
    return tuple({feed.url: feed for feed in reversed(feeds)}[url]
                 for url in dict.fromkeys(feed.url for feed in feeds))


def with_overrides(config: Config, **overrides: Any) -> Config:
    """CLI flags / API arguments win over the file and the environment; None: not given."""
    given = check_overrides(overrides, "setting")
    return replace(config, settings=replace(config.settings, **given))


_PLACEHOLDER = re.compile(r"\{\{BASE:([\w-]+)\}\}")


def render_placeholders(text: str, bases: dict[str, str]) -> str:
    """Substitute {{BASE:slug}} with an outlet's base URL (demo and test outlets)."""
    return _PLACEHOLDER.sub(lambda m: bases.get(m.group(1), m.group(0)), text)
