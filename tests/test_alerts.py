"""Alerts with real parts: warehouses written by the real writers (tests/report_fixtures.py),
a loopback webhook receiver and an aiosmtpd server with STARTTLS and login
(tests/alert_receivers.py), the real `alerts` table, the real CLI. One end-to-end test runs
the daily flow (real model, Prefect notification block) against the demo outlets."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from stancewatch.alerts import (
    Alert,
    Alerting,
    DigestChannel,
    Evidence,
    SmtpChannel,
    Watch,
    WebhookChannel,
    deliver_alerts,
    render_chat,
    render_html,
    render_text,
    sign,
    verify_signature,
)
from stancewatch.alerts.channels import ALERT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from stancewatch.flows.cli import main
from stancewatch.flows.config import ConfigError, load_config
from stancewatch.flows.lifecycle import run_lifecycle
from stancewatch.flows.pipeline import alert_step
from stancewatch.flows.steps import window_bounds
from stancewatch.warehouse.db import connect
from tests.alert_receivers import self_signed_certificate, smtp_receiver, webhook_receiver
from tests.report_fixtures import Quote, article, store_run

TODAY = datetime.now(UTC).date()
MONDAY = TODAY - timedelta(days=TODAY.weekday())
LAST_WEEK = MONDAY - timedelta(weeks=1)  # inside a 14-day lookback
OLD_WEEK = MONDAY - timedelta(weeks=6)  # outside it
LOOKBACK = TODAY - timedelta(days=14)
SECRET = "s3cret-signing-key"
SMTP_USER, SMTP_PASSWORD = "alerts@example.org", "mail-password-123"


def quotes(actor: str, group: str, topic: str, stance: str, count: int,
           sentence: str = "{actor} said so about Ukraine and NATO ({n}).") -> list[Quote]:
    return [Quote(sentence.format(actor=actor, n=n), topic, stance, actor, group,
                  0.8 + n / 100) for n in range(1, count + 1)]


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def build_moves(path: Path) -> Path:
    """Orbán: favor on membership six weeks ago (a first position, too old for a daily run),
    against last week (a shift). Fico: against guarantees last week (a first position).
    Zelensky moves too but is not watched; Macron's group is watched on another topic."""
    old = [article("EuroWire", "orban-old", at(OLD_WEEK + timedelta(days=1)),
                   quotes("Viktor Orbán", "Hungary", "membership", "favor", 2))]
    recent = [
        article("EuroWire", "orban-turns", at(LAST_WEEK + timedelta(days=1)),
                quotes("Viktor Orbán", "Hungary", "membership", "against", 3,
                       "{actor} said Ukraine must never join NATO ({n}).")),
        article("Kyiv Ledger", "fico-no-troops", at(LAST_WEEK + timedelta(days=2)),
                quotes("Robert Fico", "Slovakia", "guarantees", "against", 2,
                       "{actor} rejected sending troops to guarantee a settlement ({n}).")),
        article("Kyiv Ledger", "zelensky", at(LAST_WEEK + timedelta(days=2), 11),
                quotes("Volodymyr Zelensky", "Ukraine", "membership", "favor", 2)),
        article("Atlantic Dispatch", "macron", at(LAST_WEEK + timedelta(days=3)),
                quotes("Emmanuel Macron", "France", "membership", "favor", 2)),
    ]
    with connect(path) as connection:
        store_run(connection, "run-old", old)
        store_run(connection, "run-recent", recent)
    return path


def alerting_for(receiver_base: str | None = None, smtp_port: int | None = None,
                 ca_file: Path | None = None, digest: Path | None = None,
                 **webhook: object) -> Alerting:
    channels = []
    if receiver_base:
        channels.append(WebhookChannel(name="hook", url=f"{receiver_base}/hook",
                                       secret_env="TEST_HOOK_SECRET",
                                       **{"retries": 0, "backoff": 0.0, **webhook}))
    if smtp_port:
        channels.append(SmtpChannel(name="mail", host="127.0.0.1", port=smtp_port,
                                    sender="stancewatch@example.org",
                                    to=("analyst@example.org",), username_env="TEST_SMTP_USER",
                                    password_env="TEST_SMTP_PASSWORD", ca_file=str(ca_file),
                                    timeout=5.0))
    if digest:
        channels.append(DigestChannel(name="digest", path=str(digest)))
    names = tuple(channel.name for channel in channels)
    return Alerting(watches=(
        Watch(name="central-europe", holders=("Viktor Orbán", "Robert Fico"), channels=names),
        Watch(name="france-guarantees", groups=("France",), topics=("guarantees",),
              channels=names),
    ), channels=tuple(channels))


ENVIRON = {"TEST_HOOK_SECRET": SECRET, "TEST_SMTP_USER": SMTP_USER,
           "TEST_SMTP_PASSWORD": SMTP_PASSWORD}


def alert_rows(db_path: Path) -> list[tuple]:
    with connect(db_path, read_only=True) as connection:
        return connection.execute(
            "SELECT actor, topic, kind, channel, status, attempts, error FROM alerts "
            "ORDER BY actor, topic, channel").fetchall()


@pytest.fixture()
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    return self_signed_certificate(tmp_path)


# ------------------------------------------------------------------ delivery, end to end
def test_receivers_get_exactly_the_expected_alerts_and_a_rerun_sends_nothing(tmp_path,
                                                                              certificate):
    db_path = build_moves(tmp_path / "w.duckdb")
    cert, key = certificate
    with webhook_receiver() as receiver, \
            smtp_receiver(cert, key, SMTP_USER, SMTP_PASSWORD) as mail:
        alerting = alerting_for(receiver.base, mail.port, cert, tmp_path / "digest.txt")
        first = deliver_alerts(db_path, alerting, "run-1", since=LOOKBACK, environ=ENVIRON)
        again = deliver_alerts(db_path, alerting, "run-2", since=LOOKBACK, environ=ENVIRON)

    # two changes are due: Orbán's shift and Fico's first position, on three channels each
    assert (first.sent, first.failed) == (6, 0)
    assert (again.sent, again.failed, len(again.new)) == (0, 0, 0)
    posted = [json.loads(request.body) for request in receiver.accepted()]
    assert len(receiver.requests) == 2
    assert sorted((p["actor"], p["topic"], p["kind"], p["from_stance"], p["to_stance"])
                  for p in posted) == [
        ("Robert Fico", "guarantees", "first", None, "against"),
        ("Viktor Orbán", "membership", "shift", "favor", "against")]
    orban = next(p for p in posted if p["actor"] == "Viktor Orbán")
    assert orban["from_period"] == OLD_WEEK.isoformat()
    assert orban["to_period"] == LAST_WEEK.isoformat()
    assert orban["changed_on"] == (LAST_WEEK + timedelta(days=1)).isoformat()
    assert orban["actor_group"] == "Hungary" and orban["watches"] == ["central-europe"]
    assert [e["sentence"] for e in orban["evidence"]] == [
        f"Viktor Orbán said Ukraine must never join NATO ({n})." for n in (3, 2, 1)]
    assert orban["evidence"][0]["url"] == "https://eurowire.example/orban-turns"
    assert orban["confidence"] == 0.82 and "favor → against" in orban["text"]
    # every request is signed: the signature verifies with the secret, and only with it
    for request in receiver.requests:
        timestamp, signature = request.headers[TIMESTAMP_HEADER], request.headers[SIGNATURE_HEADER]
        assert verify_signature(request.body, timestamp, signature, SECRET)
        assert not verify_signature(request.body, timestamp, signature, "wrong-secret")
        assert not verify_signature(request.body + b" ", timestamp, signature, SECRET)
        assert request.headers[ALERT_HEADER] == json.loads(request.body)["alert_id"]

    # e-mail: one per alert, over STARTTLS, after a login, text and HTML
    assert len(mail.messages) == 2 and all(m.over_tls and m.login == SMTP_USER
                                           for m in mail.messages)
    subjects = sorted(m.message["Subject"] for m in mail.messages)
    assert subjects == [
        "stancewatch: Robert Fico takes a position (Security guarantees for Ukraine): against",
        "stancewatch: Viktor Orbán moved (Ukraine joining NATO): favor → against"]
    orban_mail = next(m.message for m in mail.messages if "Orbán" in m.message["Subject"])
    text = orban_mail.get_body(("plain",)).get_content()
    markup = orban_mail.get_body(("html",)).get_content()
    assert "Before: favor, week of " + OLD_WEEK.isoformat() in text
    assert "https://eurowire.example/orban-turns" in text
    assert '<a href="https://eurowire.example/orban-turns">EuroWire</a>' in markup
    assert mail.messages[0].recipients == ["analyst@example.org"]

    digest = (tmp_path / "digest.txt").read_text()
    assert digest.count("=== ") == 2 and "Robert Fico takes a position" in digest
    assert sorted({row[:3] for row in alert_rows(db_path)}) == [
        ("Robert Fico", "guarantees", "first"), ("Viktor Orbán", "membership", "shift")]
    assert {row[4:6] for row in alert_rows(db_path)} == {("sent", 1)}


def test_a_failing_channel_is_recorded_and_retried_next_run(tmp_path, certificate):
    db_path = build_moves(tmp_path / "w.duckdb")
    cert, key = certificate
    with webhook_receiver() as receiver:
        # the receiver fails every request of the first run (503, retried once within it)
        receiver.answer = lambda path, number: 503 if number <= 4 else 200
        smtp_port = 0
        with smtp_receiver(cert, key, SMTP_USER, SMTP_PASSWORD) as probe:
            smtp_port = probe.port  # the mail server is down during the first run
        alerting = alerting_for(receiver.base, smtp_port, cert, retries=1)
        first = deliver_alerts(db_path, alerting, "run-1", since=LOOKBACK, environ=ENVIRON)
        assert (first.sent, first.failed) == (0, 4)
        assert len(receiver.requests) == 4 and not receiver.accepted()
        rows = alert_rows(db_path)
        assert {row[4:6] for row in rows} == {("failed", 1)}
        assert {row[6] for row in rows if row[3] == "hook"} == {
            "channel 'hook': webhook HTTP 503 (after 2 attempts)"}
        assert all(row[6].startswith("channel 'mail': SMTP ConnectionRefusedError")
                   for row in rows if row[3] == "mail")
        # nothing secret in the warehouse: not the signing key, not the mail password
        with connect(db_path, read_only=True) as connection:
            dump = str(connection.execute("SELECT * FROM alerts").fetchall())
        assert SECRET not in dump and SMTP_PASSWORD not in dump

        with smtp_receiver(cert, key, SMTP_USER, SMTP_PASSWORD, port=smtp_port) as mail:
            second = deliver_alerts(db_path, alerting, "run-2", since=LOOKBACK, environ=ENVIRON)
            third = deliver_alerts(db_path, alerting, "run-3", since=LOOKBACK, environ=ENVIRON)
    assert (second.sent, second.failed, len(second.new)) == (4, 0, 0)
    assert (third.sent, third.failed) == (0, 0)
    assert len(receiver.accepted()) == 2 and len(mail.messages) == 2
    assert {row[4:7] for row in alert_rows(db_path)} == {("sent", 2, None)}


def test_a_channel_that_keeps_failing_is_given_up(tmp_path):
    db_path = build_moves(tmp_path / "w.duckdb")
    with webhook_receiver() as receiver:
        receiver.answer = lambda path, number: 400  # refused: not retried within the run
        alerting = alerting_for(receiver.base)
        outcomes = [deliver_alerts(db_path, alerting, f"run-{n}", since=LOOKBACK,
                                   environ=ENVIRON, max_attempts=2) for n in range(3)]
    assert [(o.sent, o.failed) for o in outcomes] == [(0, 2), (0, 2), (0, 0)]
    assert len(receiver.requests) == 4
    assert {row[4:6] for row in alert_rows(db_path)} == {("gave_up", 2)}


def test_a_missing_secret_is_a_channel_failure_not_a_crash(tmp_path):
    db_path = build_moves(tmp_path / "w.duckdb")
    with webhook_receiver() as receiver:
        outcome = deliver_alerts(db_path, alerting_for(receiver.base), "run-1", since=LOOKBACK,
                                 environ={})
    assert outcome.failed == 2 and not receiver.requests
    assert outcome.errors[0] == ("channel 'hook': environment variable TEST_HOOK_SECRET "
                                 "(secret_env) is not set")


# ------------------------------------------------------------------ what is alerted, and when
def test_backfill_records_old_changes_as_suppressed_unless_asked(tmp_path):
    """A backfill that uncovers changes does not alert; the daily runs after it do not send
    them either. With --alert (send=True) the window's changes are sent."""
    db_path = build_moves(tmp_path / "w.duckdb")
    digest = tmp_path / "digest.txt"
    from stancewatch.flows.config import Config, FeedSpec, Settings

    config = Config(feeds=(FeedSpec("https://a.example/rss"),),
                    settings=Settings(alert_lookback_days=14),
                    alerting=alerting_for(digest=digest))
    window = window_bounds(OLD_WEEK, TODAY)
    with run_lifecycle(db_path, "backfill", "m") as run:
        alert_step(run, config, window, send=False)
    assert not digest.exists()
    assert {(row[0], row[2], row[4]) for row in alert_rows(db_path)} == {
        ("Viktor Orbán", "first", "suppressed"), ("Viktor Orbán", "shift", "suppressed"),
        ("Robert Fico", "first", "suppressed")}
    with run_lifecycle(db_path, "daily", "m") as run:
        alert_step(run, config)
    assert not digest.exists() and run.stats.alerts_sent == 0

    fresh = build_moves(tmp_path / "fresh.duckdb")
    with run_lifecycle(fresh, "backfill", "m") as run:
        alert_step(run, config, window, send=True)
    assert run.stats.alerts_sent == 3 and digest.read_text().count("=== ") == 3
    with connect(fresh, read_only=True) as connection:
        assert connection.execute("SELECT alerts_sent FROM runs WHERE flow = 'backfill'"
                                  ).fetchall() == [(3,)]


def test_daily_step_looks_back_alert_lookback_days(tmp_path):
    db_path = build_moves(tmp_path / "w.duckdb")
    digest = tmp_path / "digest.txt"
    from stancewatch.flows.config import Config, FeedSpec, Settings

    config = Config(feeds=(FeedSpec("https://a.example/rss"),),
                    settings=Settings(alert_lookback_days=(TODAY - OLD_WEEK).days + 7),
                    alerting=alerting_for(digest=digest))
    with run_lifecycle(db_path, "daily", "m") as run:
        alert_step(run, config)
    # the old first position is within this longer lookback too
    assert run.stats.alerts_sent == 3


def test_watch_matches_holder_group_topic_and_min_mentions(tmp_path):
    db_path = build_moves(tmp_path / "w.duckdb")
    digest = tmp_path / "d.txt"
    channel = DigestChannel(name="d", path=str(digest))
    watches = (
        Watch(name="fico-only-membership", holders=("Robert Fico",), topics=("membership",),
              channels=("d",)),
        Watch(name="ukraine", groups=("Ukraine",), channels=("d",)),
        Watch(name="orban-strong", holders=("Viktor Orbán",), min_mentions=3, channels=("d",)),
    )
    outcome = deliver_alerts(db_path, Alerting(watches=watches, channels=(channel,)), "r",
                             since=OLD_WEEK)
    # Fico's move is on guarantees; Orbán's old first position has only 2 mentions
    assert sorted((p.alert.actor, p.alert.kind, p.alert.watches) for p in outcome.new) == [
        ("Viktor Orbán", "shift", ("orban-strong",)),
        ("Volodymyr Zelensky", "first", ("ukraine",))]


# ------------------------------------------------------------------ the message
def hostile_alert() -> Alert:
    return Alert(
        alert_id="0123456789abcdef", actor="Viktor Orbán", actor_group="Hungary",
        topic="membership", from_stance="favor", from_period=date(2025, 1, 6), from_mentions=2,
        from_total=3, to_stance="against", to_period=date(2025, 1, 13),
        changed_on=date(2025, 1, 14), to_mentions=3, to_total=3, watches=("w",),
        evidence=(Evidence('Orbán said <!channel> <script>alert(1)</script> "no"\x1b[2J\nBcc: x',
                           "Evil <b>Outlet</b>\r\nX-Header: 1", "javascript:alert(1)",
                           date(2025, 1, 14), 0.9),
                  Evidence("Plain [click](https://evil.example) sentence.", "EuroWire",
                           "https://eurowire.example/a?x=1&y=<2>", None, 0.7)))


def test_network_text_is_escaped_for_every_destination():
    alert = hostile_alert()
    text, chat, markup = render_text(alert), render_chat(alert), render_html(alert)
    payload = json.loads(alert.payload_json())
    for rendered in (text, chat, json.dumps(payload)):
        assert "\x1b" not in rendered and "\r" not in rendered
    assert "\nBcc:" not in text and "\nX-Header" not in text  # one line per value
    assert "<" not in chat and ">" not in chat and "[click]" not in chat
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert 'href="javascript' not in markup  # only http(s) links become links
    assert 'href="https://eurowire.example/a?x=1&amp;y=&lt;2&gt;"' in markup
    assert "<b>Outlet" not in markup and "&lt;b&gt;Outlet" in markup
    # JSON keeps the words (receivers escape for their own medium), minus control characters
    assert payload["evidence"][0]["sentence"].startswith("Orbán said <!channel>")
    assert Alert.from_payload(payload).to_payload() == payload  # a retry sends the same


def test_signature_recipe():
    body, stamp = b'{"a": 1}', str(int(datetime.now(UTC).timestamp()))
    signature = sign(body, stamp, "k")
    assert signature.startswith("sha256=") and verify_signature(body, stamp, signature, "k")
    assert not verify_signature(body, str(int(stamp) - 3600), sign(body, str(int(stamp) - 3600),
                                                                    "k"), "k")  # too old
    assert not verify_signature(body, "not-a-time", signature, "k")


# ------------------------------------------------------------------ configuration
WATCH_FILE = """
[[feeds]]
url = "https://a.example/rss"

[[watch]]
name = "central-europe"
holders = ["Orban", "Fico", "White House", "the Kremlin", "Erdogan"]
groups = ["Turkey"]
topics = ["membership"]
min_mentions = 3
channels = ["hook", "digest"]

[channels.hook]
kind = "webhook"
url_env = "TEST_HOOK_URL"
secret_env = "TEST_HOOK_SECRET"
timeout = 5

[channels.digest]
kind = "digest"
path = "alerts/digest.txt"
"""


def write(tmp_path: Path, text: str, name: str = "feeds.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_watch_lists_are_read_and_holders_canonicalised(tmp_path):
    config = load_config(write(tmp_path, WATCH_FILE), environ={})
    (watch,) = config.alerting.watches
    assert watch.holders == ("Viktor Orbán", "Robert Fico", "White House", "Kremlin",
                             "Recep Tayyip Erdoğan")
    assert watch.groups == ("Turkey",) and watch.topics == ("membership",)
    assert watch.min_mentions == 3 and watch.channels == ("hook", "digest")
    hook, digest = config.alerting.channels
    assert hook.url_env == "TEST_HOOK_URL" and hook.timeout == 5.0 and hook.retries == 2
    assert digest.path == str(tmp_path / "alerts" / "digest.txt")


def test_watch_lists_in_a_separate_file(tmp_path):
    feeds, _, alerts_part = WATCH_FILE.partition("\n[[watch]]")
    write(tmp_path, "[[watch]]" + alerts_part, "alerts.toml")
    config = load_config(write(tmp_path, '[settings]\nalerts_file = "alerts.toml"\n' + feeds),
                         environ={})
    assert config.alerting.watches[0].name == "central-europe"
    assert config.alerting.channels[1].path == str(tmp_path / "alerts" / "digest.txt")


@pytest.mark.parametrize("change, message", [
    (('"Orban", "Fico"', '"Orbn", "Fico"'), r"feeds.toml:\d+: unknown holder 'Orbn' \(not in the "
     r"actor table\); did you mean 'Viktor Orbán'\?"),
    (('groups = ["Turkey"]', 'groups = ["Hungaria"]'), r"unknown group 'Hungaria'.*'Hungary'"),
    (('channels = ["hook", "digest"]', 'channels = ["hook", "mail"]'),
     r"channel 'mail' is not defined \(no \[channels.mail\] table\)"),
    (('secret_env = "TEST_HOOK_SECRET"', 'secret = "hunter2"'),
     r"secrets do not go in the file.*secret_env or secret_block"),
    (("timeout = 5", "timeout = 0"), r"timeout = 0 is out of range \(0.1 to 120\)"),
    (('topics = ["membership"]', 'topics = ["trade"]'), r"'trade' is not one of membership"),
    (("min_mentions = 3", "min_mentions = 1"), r"min_mentions = 1 is out of range \(2 to"),
    (('kind = "digest"', 'kind = "pigeon"'), r"kind must be one of webhook, smtp, digest, prefect"),
    (('url_env = "TEST_HOOK_URL"', 'url = "ftp://hooks.example/x"'), r"is not an http\(s\) URL"),
    (('holders = ["Orban", "Fico", "White House", "the Kremlin", "Erdogan"]\ngroups = ["Turkey"]',
      ""), r"names no holders and no groups"),
    (('url_env = "TEST_HOOK_URL"', 'url_env = "NOT A NAME"'), r"must name an environment variable"),
])
def test_bad_watch_lists_are_one_line_errors(tmp_path, change, message):
    old, new = change
    assert old in WATCH_FILE
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, WATCH_FILE.replace(old, new)), environ={})


def test_smtp_credentials_need_starttls(tmp_path):
    text = WATCH_FILE + ('\n[channels.mail]\nkind = "smtp"\nhost = "mail.example"\nport = 25\n'
                         'starttls = false\nfrom = "a@example.org"\nto = ["b@example.org"]\n'
                         'password_env = "P"\n')
    with pytest.raises(ConfigError, match="credentials without STARTTLS"):
        load_config(write(tmp_path, text), environ={})


def test_cli_unknown_holder_and_missing_secret_exit_2(tmp_path, capsys, monkeypatch):
    bad = write(tmp_path, WATCH_FILE.replace('"Erdogan"', '"Erdowan"'), "bad.toml")
    assert main(["run", "--feeds", str(bad), "--db", str(tmp_path / "w.duckdb")]) == 2
    error = capsys.readouterr().err.strip()
    assert "unknown holder 'Erdowan'" in error and "\n" not in error
    monkeypatch.delenv("TEST_HOOK_URL", raising=False)
    good = write(tmp_path, WATCH_FILE)
    assert main(["run", "--feeds", str(good), "--db", str(tmp_path / "w.duckdb")]) == 2
    assert capsys.readouterr().err.strip() == (
        "stancewatch: channel 'hook': environment variable TEST_HOOK_URL (url_env) is not set")
    assert not (tmp_path / "w.duckdb").exists()


# ------------------------------------------------------------------ stancewatch alerts
def test_cli_lists_what_was_sent_and_dry_run_sends_nothing(tmp_path, capsys, monkeypatch):
    db_path = build_moves(tmp_path / "w.duckdb")
    with webhook_receiver() as receiver:
        monkeypatch.setenv("TEST_HOOK_URL", f"{receiver.base}/hook")
        monkeypatch.setenv("TEST_HOOK_SECRET", SECRET)
        feeds = write(tmp_path, WATCH_FILE.replace("min_mentions = 3", "min_mentions = 2")
                      .replace('topics = ["membership"]', ""))
        assert main(["alerts", "--db", str(db_path), "--dry-run", "--feeds", str(feeds)]) == 0
        dry = capsys.readouterr().out
        assert "would send 2 new alerts" in dry and "Viktor Orbán (Hungary)" in dry
        assert "favor → against" in dry and "first: against" in dry
        assert not receiver.requests and alert_rows(db_path) == []

        config = load_config(feeds)
        deliver_alerts(db_path, config.alerting, "run-1", since=LOOKBACK)
        assert main(["alerts", "--db", str(db_path)]) == 0
        listed = capsys.readouterr().out.splitlines()
    assert len(receiver.accepted()) == 2
    assert listed[-1] == "4 alert deliveries"
    assert sum(" → hook sent " in line for line in listed) == 2
    assert sum(" → digest sent " in line for line in listed) == 2
    assert main(["alerts", "--db", str(db_path), "--since", TODAY.isoformat()]) == 0
    assert capsys.readouterr().out.strip().endswith(f"0 alert deliveries for changes since {TODAY}")
    assert main(["alerts", "--db", str(db_path), "--dry-run"]) == 2
    assert "--dry-run needs --feeds" in capsys.readouterr().err
    # the Python API reads the same table (stancewatch.alerts stays the library subpackage)
    import stancewatch

    history = stancewatch.alert_history(db_path)
    assert len(history) == 4 and {row["status"] for row in history} == {"sent"}
    assert stancewatch.alerts.verify_signature is verify_signature


def test_cli_alerts_on_a_missing_warehouse_is_a_usage_error(tmp_path, capsys):
    assert main(["alerts", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no warehouse at" in capsys.readouterr().err


def test_alerts_table_is_documented_and_matches_the_migration(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "warehouse" / "README.md").read_text()
    with connect(tmp_path / "x.duckdb") as connection:
        columns = [row[0] for row in connection.execute("DESCRIBE alerts").fetchall()]
    section = readme.split("### `alerts`", 1)[1].split("\n### ", 1)[0]
    for column in columns:
        assert column in section, f"alerts.{column} is not documented in warehouse/README.md"


# ------------------------------------------------------------------ through the daily flow
@pytest.mark.slow  # a real Prefect run of the daily flow with the model
def test_daily_flow_alerts_through_webhook_and_a_prefect_block(prefect_harness, demo_feeds,
                                                               tmp_path, monkeypatch):
    """The real daily flow (CLI, Prefect, model) against the demo outlets: every change of the
    watched groups reaches the webhook and a Prefect custom-webhook block once; the second
    run (all 304s) sends nothing."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    with webhook_receiver() as receiver:
        CustomWebhookNotificationBlock(
            name="stancewatch-test", url=f"{receiver.base}/prefect",
            json_data={"title": "{{subject}}", "text": "{{body}}"}).save(
            "stancewatch-test", overwrite=True)
        feeds = write(tmp_path, demo_feeds.read_text() + f"""
[[watch]]
name = "moscow-washington"
groups = ["Russia", "United States"]
channels = ["hook", "team-chat"]

[channels.hook]
kind = "webhook"
url = "{receiver.base}/hook"
secret_env = "TEST_HOOK_SECRET"
retries = 0

[channels.team-chat]
kind = "prefect"
block = "custom-webhook/stancewatch-test"
""")
        monkeypatch.setenv("TEST_HOOK_SECRET", SECRET)
        monkeypatch.setenv("STANCEWATCH_ALERT_LOOKBACK_DAYS", "3650")  # the demo is 2025
        db_path = tmp_path / "w.duckdb"
        assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 0
        first_hook, first_chat = len(receiver.accepted()), len(receiver.accepted("/prefect"))
        assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 0

    with connect(db_path, read_only=True) as connection:
        expected = connection.execute(
            "SELECT actor, topic, to_period FROM stance_changes "
            "WHERE actor_group IN ('Russia', 'United States') ORDER BY ALL").fetchall()
        alerted = connection.execute(
            "SELECT DISTINCT actor, topic, to_period FROM alerts ORDER BY ALL").fetchall()
        statuses = connection.execute("SELECT DISTINCT status FROM alerts").fetchall()
        runs = connection.execute(
            "SELECT alerts_sent, alerts_failed FROM runs ORDER BY started_at").fetchall()
    assert expected and alerted == expected and statuses == [("sent",)]
    assert runs == [(2 * len(expected), 0), (0, 0)]
    # each change reached each channel once: none failed, none twice
    assert first_hook == len(receiver.accepted()) == len(expected)
    assert len(receiver.requests) == 2 * len(expected)
    assert first_chat == len(receiver.accepted("/prefect")) == len(expected)
    posted = sorted((p["actor"], p["topic"], date.fromisoformat(p["to_period"]))
                    for p in (json.loads(r.body) for r in receiver.accepted()))
    assert posted == expected
    assert all(verify_signature(r.body, r.headers[TIMESTAMP_HEADER], r.headers[SIGNATURE_HEADER],
                                SECRET) for r in receiver.accepted())
    chat = [json.loads(r.body) for r in receiver.accepted("/prefect")]
    assert all("Evidence:" in message["text"] and "<" not in message["text"] for message in chat)
