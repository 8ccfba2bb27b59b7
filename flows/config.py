"""The one configuration object: FEEDS.toml + STANCEWATCH_* environment + CLI flags / API
keyword arguments, validated once at the edge. Each setting is defined once (default,
documented range, purpose) on `FetchPolicy` or `Settings`; errors are one line that names
the file and line (or the variable / argument) and the allowed range.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import Field, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from stancewatch.alerts.configuration import (
    CHANNEL_KINDS,
    ENV_NAME,
    Alerting,
    Channel,
    SmtpChannel,
    Watch,
    WebhookChannel,
    channel_keys,
    secret_references,
)
from stancewatch.errors import ConfigError
from stancewatch.extractors.http import FetchPolicy, setting
from stancewatch.extractors.urls import parse_networks
from stancewatch.models.inference import DEVICES, PRECISIONS, RUNTIMES, InferenceOptions

__all__ = ["Config", "ConfigError", "FeedSpec", "Settings", "check_alert_secrets", "load_config",
           "settings_table"]

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
    relevance_gate: bool = setting(
        True, "store articles that mention none of the terms in models/relevance.toml (NATO, "
        "Ukraine, Kyiv, security guarantees …) unclassified (stored_articles.unclassified = "
        "'gated'); false: classify every article")
    device: str = setting("auto", "where the classifier runs: auto picks CUDA when torch sees a "
                          "GPU, else the CPU", choices=DEVICES)
    precision: str = setting(
        "auto", "classifier arithmetic: auto is int8 on the CPU (dynamic, every encoder "
        "projection but layer 0's feed-forward output, one sentence per call so that no "
        "sentence's label depends on the others scored with it; sentences whose two likeliest "
        "labels are within 0.15 are scored again in fp32, so F_avg stays within 0.005 of "
        "fp32's on the held-out sets, models/README.md) and fp16 on CUDA; fp32 is the "
        "reference",
        choices=PRECISIONS)
    classify_threads: int = setting(0, "CPU threads for the classifier (0: one per core)", 0, 256)
    runtime: str = setting("auto", "classifier runtime: auto is ONNX Runtime on the CPU (exported "
                           "once per artefact into ~/.cache/stancewatch) and torch on CUDA",
                           choices=RUNTIMES)
    alerts_file: str | None = setting(None, "file holding the `[[watch]]` lists and "
                                      "`[channels.NAME]` tables (default: the feeds file; "
                                      "relative to the feeds file's folder)")
    alert_lookback_days: int = setting(14, "a daily run alerts changes whose first day is at "
                                       "most this many days before the run's day", 1, 3_650)
    alert_max_attempts: int = setting(5, "runs that try a failing delivery before it is given "
                                      "up (alerts.status gave_up)", 1, 100)

    def fetch_policy(self) -> FetchPolicy:
        return FetchPolicy(**{f.name: getattr(self, f.name) for f in fields(FetchPolicy)})

    def inference(self) -> InferenceOptions:
        return InferenceOptions(self.device, self.precision, self.classify_threads, self.runtime)


@dataclass(frozen=True)
class Config:
    feeds: tuple[FeedSpec, ...]
    settings: Settings = field(default_factory=Settings)
    source_file: Path | None = None
    alerting: Alerting = field(default_factory=Alerting)


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


def alert_keys_table() -> list[tuple[str, str, object, str, str]]:
    """(table, key, default, allowed, purpose) for every [[watch]] and channel key: the
    README's alerts table."""
    tables: list[tuple[str, dict[str, Field]]] = [
        ("[[watch]]", {spec.name: spec for spec in fields(Watch)})]
    tables += [(f"kind = \"{kind}\"", channel_keys(cls)) for kind, cls in CHANNEL_KINDS.items()]
    rows = []
    for table, keys in tables:
        for key, spec in keys.items():
            low, high = spec.metadata["range"]
            choices = spec.metadata["choices"]
            allowed = (" / ".join(choices) + " (a list)" if choices
                       else f"{_number_text(low)} – {_number_text(high)}" if low is not None
                       else {"bool": "true / false", "tuple[str, ...]": "list of text"}.get(
                           str(spec.type), "text"))
            default = "required" if spec.metadata.get("required") else spec.default
            rows.append((table, key, default, allowed, spec.metadata["doc"]))
    return rows


def _line_of(text: str, needle: str, start_line: int = 1) -> int:
    lines = text.splitlines()
    for number in range(max(1, start_line), len(lines) + 1):
        if needle in lines[number - 1]:
            return number
    return 0


def _number(spec: Field, value: object, kind: str, where: str) -> int | float:
    name = spec.name
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
    low, high = spec.metadata["range"]
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
        return _number(SETTING_FIELDS[name], value, kind, where)
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


def _read_feeds_file(path: Path, noun: str = "feeds file") -> str:
    if path.is_dir():
        raise ConfigError(f"{path} is a directory, not a {noun}")
    try:
        with open(path, "rb") as handle:
            if not path.is_file():
                raise ConfigError(f"{noun} {path} is not a regular file")
            data = handle.read(MAX_FEEDS_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{noun} {path} not found") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {noun} {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FEEDS_FILE_BYTES:
        raise ConfigError(f"{noun} {path} is larger than {MAX_FEEDS_FILE_BYTES:,} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{noun} {path} is not UTF-8 text ({exc.reason} at byte "
                          f"{exc.start})") from None


# ------------------------------------------------------------------ watch lists and channels
ALERT_TABLES = ("watch", "channels")
# A secret written into the file instead of named: the key to use instead.
SECRET_KEYS = {"secret": "secret_env or secret_block", "password": "password_env or password_block",
               "username": "username_env", "token": "secret_env or secret_block"}
EMAIL_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+")


def coerce_key(spec: Field, key: str, value: object, where: str) -> object:
    """One key of a [[watch]] or [channels.<name>] table, checked against its definition
    (alerts/configuration.py) like a setting: type, range, choices."""
    kind = str(spec.type)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")
    if kind in ("int", "float"):
        return _number(spec, value, kind, where)
    if kind == "tuple[str, ...]":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(
                isinstance(item, str) and item.strip() and not _CONTROL.search(item)
                for item in items):
            raise ConfigError(f"{where}: {key} must be a list of non-empty strings")
        choices = spec.metadata["choices"]
        for item in items:
            if choices and item.strip() not in choices:
                raise ConfigError(f"{where}: {key}: {item!r} is not one of {', '.join(choices)}")
        return tuple(dict.fromkeys(item.strip() for item in items))
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: {key} must be a non-empty string")
    if _CONTROL.search(value):
        raise ConfigError(f"{where}: {key} must not contain control characters")
    return value.strip()


def _relative_to(base: Path, value: str) -> str:
    candidate = Path(value).expanduser()
    return str(candidate if candidate.is_absolute() else base / candidate)


def _check_channel(channel: Channel, where: str) -> None:
    if isinstance(channel, WebhookChannel):
        if (channel.url is None) == (channel.url_env is None):
            raise ConfigError(f"{where}: give url or url_env (one of them)")
        if channel.url is not None:
            _check_feed_url(channel.url, where)
        if channel.secret_env and channel.secret_block:
            raise ConfigError(f"{where}: give secret_env or secret_block, not both")
    if isinstance(channel, SmtpChannel):
        for address in (channel.sender, *channel.to):
            if not EMAIL_ADDRESS.fullmatch(address):
                raise ConfigError(f"{where}: {address!r} is not an e-mail address")
        if channel.password_env and channel.password_block:
            raise ConfigError(f"{where}: give password_env or password_block, not both")
        if not channel.starttls and (channel.username_env or channel.password_env
                                     or channel.password_block):
            raise ConfigError(f"{where}: credentials without STARTTLS would cross the network "
                              "in clear text; set starttls = true")
        if channel.ca_file and not Path(channel.ca_file).is_file():
            raise ConfigError(f"{where}: ca_file {channel.ca_file} is not a file")


def _parse_channel(name: str, raw: object, path: Path, text: str) -> Channel:
    line = _line_of(text, f"[channels.{name}]") or _line_of(text, name)
    where = f"{path}:{line or '?'} (channel {name!r})"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a table ([channels.{name}])")
    if not name.strip() or _CONTROL.search(name):
        raise ConfigError(f"{where}: a channel name must be printable text")
    kind = raw.get("kind")
    if kind not in CHANNEL_KINDS:
        raise ConfigError(f"{where}: kind must be one of {', '.join(CHANNEL_KINDS)}, not {kind!r}")
    keys = channel_keys(CHANNEL_KINDS[kind])
    values: dict[str, object] = {}
    for key, value in raw.items():
        if key == "kind":
            continue
        key_where = f"{path}:{_line_of(text, key, line) or line or '?'} (channel {name!r})"
        if key not in keys and key in SECRET_KEYS:
            raise ConfigError(f"{key_where}: secrets do not go in the file: put it in an "
                              f"environment variable or a Prefect Secret block and name that "
                              f"({SECRET_KEYS[key]})")
        if key not in keys:
            raise ConfigError(f"{key_where}: unknown key {key!r} for a {kind} channel "
                              f"(expected {', '.join(keys)})")
        values[keys[key].name] = coerce_key(keys[key], key, value, key_where)
        if key.endswith("_env") and not ENV_NAME.fullmatch(str(values[keys[key].name])):
            raise ConfigError(f"{key_where}: {key} must name an environment variable, not "
                              f"{value!r}")
    missing = [key for key, spec in keys.items()
               if spec.metadata.get("required") and spec.name not in values]
    if missing:
        raise ConfigError(f"{where}: missing {missing[0]} (a {kind} channel needs "
                          f"{', '.join(k for k, s in keys.items() if s.metadata.get('required'))})")
    for key in ("path", "ca_file"):  # files are found from the watch file's folder
        if isinstance(values.get(key), str):
            values[key] = _relative_to(path.parent, str(values[key]))
    channel = CHANNEL_KINDS[kind](name=name, **values)
    _check_channel(channel, where)
    return channel


def _actor_table(settings: Settings) -> Any:
    from stancewatch.models.holders import DEFAULT_ACTORS, ActorTable

    paths = [DEFAULT_ACTORS, Path(settings.actors_file)] if settings.actors_file else None
    try:
        return ActorTable.load(paths)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _suggestion(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _parse_watches(raw_watches: object, path: Path, text: str, channels: Sequence[Channel],
                   settings: Settings) -> tuple[Watch, ...]:
    if not isinstance(raw_watches, list):
        raise ConfigError(f"{path}:{_line_of(text, 'watch')}: watch lists are [[watch]] tables")
    keys = {spec.name: spec for spec in fields(Watch)}
    channel_names = [channel.name for channel in channels]
    table = None
    watches: list[Watch] = []
    search_from = 1
    for index, raw in enumerate(raw_watches, start=1):
        line = _line_of(text, "[[watch]]", search_from)
        search_from = line + 1
        where = f"{path}:{line or '?'} (watch {index})"
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: must be a [[watch]] table")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            key_where = f"{path}:{_line_of(text, key, line) or line or '?'} (watch {index})"
            if key not in keys:
                raise ConfigError(f"{key_where}: unknown watch key {key!r} (expected "
                                  f"{', '.join(keys)})")
            values[key] = coerce_key(keys[key], key, value, key_where)
        if not values.get("holders") and not values.get("groups"):
            raise ConfigError(f"{where}: names no holders and no groups to watch")
        if not values.get("channels"):
            raise ConfigError(f"{where}: missing channels (names of [channels.<name>] tables)")
        for name in values["channels"]:
            if name not in channel_names:
                raise ConfigError(f"{path}:{_line_of(text, name, line) or line}: channel {name!r} "
                                  f"is not defined (no [channels.{name}] table)"
                                  + _suggestion(name, channel_names))
        table = table or _actor_table(settings)
        holders = []
        for name in values.get("holders", ()):
            holder = table.canonical(name)
            if holder is None:
                close = table.closest(name)
                raise ConfigError(f"{path}:{_line_of(text, name, line) or line}: unknown holder "
                                  f"{name!r} (not in the actor table)"
                                  + (f"; did you mean {close.name!r}?" if close else ""))
            holders.append(holder.name)
        groups = table.groups()
        for name in values.get("groups", ()):
            if name not in groups:
                raise ConfigError(f"{path}:{_line_of(text, name, line) or line}: unknown group "
                                  f"{name!r} (not in the actor table)" + _suggestion(name, groups))
        values["holders"] = tuple(dict.fromkeys(holders))
        values.setdefault("name", f"watch-{index}")
        if values["name"] in {watch.name for watch in watches}:
            raise ConfigError(f"{where}: a second watch list named {values['name']!r}")
        watches.append(Watch(**values))
    return tuple(watches)


def parse_alerting(document: Mapping[str, Any], path: Path, text: str, settings: Settings
                   ) -> Alerting:
    """[[watch]] lists and [channels.<name>] tables of a parsed TOML document."""
    raw_channels = document.get("channels", {})
    if not isinstance(raw_channels, dict):
        raise ConfigError(f"{path}:{_line_of(text, 'channels')}: channels are "
                          "[channels.<name>] tables")
    channels = tuple(_parse_channel(name, raw, path, text) for name, raw in raw_channels.items())
    watches = _parse_watches(document.get("watch", []), path, text, channels, settings)
    return Alerting(watches=watches, channels=channels)


def load_alerting(path: Path, settings: Settings) -> Alerting:
    """The alerts file named by the alerts_file setting: [[watch]] and [channels.<name>]."""
    text = _read_feeds_file(path, "alerts file")
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(document) - set(ALERT_TABLES)
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{path}:{_line_of(text, key)}: unknown top-level key {key!r} "
                          "(an alerts file holds [[watch]] and [channels.<name>])")
    return parse_alerting(document, path, text, settings)


def check_alert_secrets(alerting: Alerting, environ: Mapping[str, str] | None = None) -> None:
    """Before a run: every environment variable a channel names is set (else exit 2), so a
    missing secret is found now, not at the first alert."""
    environ = os.environ if environ is None else environ
    used = {name for watch in alerting.watches for name in watch.channels}
    for channel in alerting.channels:
        if channel.name not in used:
            continue
        for key, env_name in secret_references(channel):
            if not environ.get(env_name):
                raise ConfigError(f"channel {channel.name!r}: environment variable {env_name} "
                                  f"({key}) is not set")


def load_config(path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read FEEDS.toml, then apply STANCEWATCH_<SETTING> environment overrides."""
    environ = os.environ if environ is None else environ
    text = _read_feeds_file(path)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    unknown = set(document) - {"feeds", "settings", *ALERT_TABLES}
    if unknown:
        key = sorted(unknown)[0]
        raise ConfigError(f"{path}:{_line_of(text, key)}: unknown top-level key {key!r} "
                          "(expected [settings], [[feeds]], [[watch]] and [channels.<name>])")
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
    settings = Settings(**values)
    if settings.alerts_file:
        if any(key in document for key in ALERT_TABLES):
            raise ConfigError(f"{path}: [[watch]]/[channels] here and alerts_file = "
                              f"{settings.alerts_file!r} too: keep them in one place")
        alerting = load_alerting(Path(_relative_to(path.parent, settings.alerts_file)), settings)
    else:
        alerting = parse_alerting(document, path, text, settings)
    return Config(feeds=_unique(feeds), settings=settings, source_file=path, alerting=alerting)


def config_from_urls(urls: Sequence[str], environ: Mapping[str, str] | None = None) -> Config:
    """A Config for a list of feed URLs (the Python API), with environment settings."""
    environ = os.environ if environ is None else environ
    if isinstance(urls, str):
        raise ConfigError("feeds must be a feeds file path or a list of feed URLs")
    feeds = [FeedSpec(url=_check_feed_url(url, f"feed {index}"))
             for index, url in enumerate(urls, start=1)]
    if not feeds:
        raise ConfigError("no feeds given")
    settings = Settings(**_environment_settings(environ))
    alerting = (load_alerting(Path(settings.alerts_file), settings) if settings.alerts_file
                else Alerting())
    return Config(feeds=_unique(feeds), settings=settings, alerting=alerting)


def _unique(feeds: Sequence[FeedSpec]) -> tuple[FeedSpec, ...]:
    return tuple({feed.url: feed for feed in reversed(feeds)}[url]
                 for url in dict.fromkeys(feed.url for feed in feeds))


def with_overrides(config: Config, **overrides: Any) -> Config:
    """CLI flags / API arguments win over the file and the environment; None: not given."""
    given = check_overrides(overrides, "setting")
    settings = replace(config.settings, **given)
    if "alerts_file" not in given:
        return replace(config, settings=settings)
    base = config.source_file.parent if config.source_file else Path(".")
    alerting = load_alerting(Path(_relative_to(base, str(given["alerts_file"]))), settings)
    return replace(config, settings=settings, alerting=alerting)


def with_settings(settings: Settings, **overrides: Any) -> Settings:
    """Settings with checked overrides (None: not given)."""
    return replace(settings, **check_overrides(overrides, "setting"))


def environment_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from STANCEWATCH_* variables alone (commands without a feeds file)."""
    return Settings(**_environment_settings(os.environ if environ is None else environ))


_PLACEHOLDER = re.compile(r"\{\{BASE:([\w-]+)\}\}")


def render_placeholders(text: str, bases: dict[str, str]) -> str:
    """Substitute {{BASE:slug}} with an outlet's base URL (demo and test outlets)."""
    return _PLACEHOLDER.sub(lambda m: bases.get(m.group(1), m.group(0)), text)
