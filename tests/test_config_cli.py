"""FEEDS.toml validation and the CLI's error contract: one line naming the problem, exit 2."""

from __future__ import annotations

import pytest

from stancewatch.flows.cli import main
from stancewatch.flows.config import ConfigError, load_config

GOOD = ('[settings]\npoliteness_delay = 0.5\nallowed_networks = ["10.0.0.0/8"]\n\n'
        '[[feeds]]\nurl = "https://a.example/rss"\nname = "A"\nlanguage = "en"\n')


def write(tmp_path, text, name="feeds.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_good_file_and_environment_override(tmp_path):
    config = load_config(write(tmp_path, GOOD), environ={"STANCEWATCH_RETRIES": "5"})
    assert config.feeds[0].url == "https://a.example/rss" and config.feeds[0].name == "A"
    assert config.settings.politeness_delay == 0.5 and config.settings.retries == 5
    assert config.settings.fetch_policy().allowed_networks == ("10.0.0.0/8",)


@pytest.mark.parametrize("text, message", [
    ('[[feeds]\nurl = "x"\n', "invalid TOML.*line 1"),
    ('[[feeds]]\nurl = "https://a.example/"\nfoo = 1\n', r"feeds.toml:3: unknown feed key 'foo'"),
    ('[settings]\ntimeoutz = 3\n[[feeds]]\nurl = "https://a.b/"\n', r":2: unknown setting 'timeoutz'"),
    ('[settings]\nretries = "many"\n[[feeds]]\nurl = "https://a.b/"\n', r":2: retries must be an integer"),
    ('[[feeds]]\nname = "no url"\n', r":1 \(feed 1\): missing url"),
    ('[[feeds]]\nurl = "https://a.b/"\n\n[[feeds]]\nurl = "ftp://a.b/x"\n', r":5 \(feed 2\): .*not an http"),
    ('[[feeds]]\nurl = "http://"\n', "has no host"),
    ('[settings]\nallowed_networks = ["not-a-net"]\n[[feeds]]\nurl = "https://a.b/"\n', "allowed_networks"),
    ('title = "x"\n', "unknown top-level key 'title'"),
    ('[settings]\n', "no \\[\\[feeds\\]\\]"),
])
def test_bad_files_name_the_line(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), environ={})


@pytest.mark.parametrize("setup, message", [
    (lambda tmp: (["--feeds", str(tmp / "missing.toml"), "--db", str(tmp / "w.duckdb")]), "not found"),
    (lambda tmp: (["--feeds", str(write(tmp, '[[feeds]]\nurl = 5\n')), "--db", str(tmp / "w.duckdb")]),
     "url must be"),
    (lambda tmp: (["--feeds", str(write(tmp, GOOD)), "--db", str(tmp)]), "is a directory"),
    (lambda tmp: (["--feeds", str(write(tmp, GOOD)), "--db", str(tmp / "no" / "w.duckdb")]),
     "does not exist"),
])
def test_cli_usage_errors_exit_2_with_one_line(tmp_path, capsys, setup, message):
    assert main(["run", *setup(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error and "Traceback" not in error


def test_read_only_db_is_refused(tmp_path, capsys):
    db_path = tmp_path / "w.duckdb"
    db_path.write_bytes(b"")
    db_path.chmod(0o444)  # no write bit for anyone: refused even when running as root
    assert main(["run", "--feeds", str(write(tmp_path, GOOD)), "--db", str(db_path)]) == 2
    assert "read-only" in capsys.readouterr().err


def test_backfill_rejects_reversed_window(tmp_path, capsys):
    code = main(["backfill", "--feeds", str(write(tmp_path, GOOD)), "--db", str(tmp_path / "w.duckdb"),
                 "--since", "2025-03-01", "--until", "2025-02-01"])
    assert code == 2 and "before --since" in capsys.readouterr().err


def test_bad_date_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["backfill", "--feeds", "f", "--db", "d", "--since", "yesterday", "--until", "2025-01-01"])
    assert exit_info.value.code == 2
