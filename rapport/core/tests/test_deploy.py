"""Production mode: `rapport check --deploy` reports nothing; the embedded default boots with no environment."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def run_rapport(*args, env, cwd):
    return subprocess.run(
        [sys.executable, "-m", "rapport.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def clean_env(tmp_path, **extra):
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    return {**keep, "RAPPORT_VAR_DIR": str(tmp_path / "var"), **extra}


def test_check_deploy_reports_nothing_in_production_mode(tmp_path):
    env = clean_env(
        tmp_path,
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY="x" * 20 + "a-long-random-production-secret-value-0123456789",
        ALLOWED_HOSTS="crm.example.com",
    )
    result = run_rapport("check", "--deploy", "--fail-level", "WARNING", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_with_no_environment_rapport_boots_on_sqlite_and_keeps_a_secret_key(tmp_path):
    env = clean_env(tmp_path)
    result = run_rapport("migrate", "--noinput", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    var = tmp_path / "var"
    assert (var / "rapport.sqlite3").exists()
    key = (var / "secret_key").read_text()
    assert len(key) >= 50 and oct((var / "secret_key").stat().st_mode)[-3:] == "600"
    assert run_rapport("check", env=env, cwd=tmp_path).returncode == 0
    assert (var / "secret_key").read_text() == key  # kept, not regenerated
    probe = "from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    journal = run_rapport("shell", "-c", probe, env=env, cwd=tmp_path)
    assert journal.stdout.strip().splitlines()[-1] == "wal", journal.stderr


def test_database_connection_settings(db, settings):
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys")
            assert cursor.fetchone()[0] == 1
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
    else:
        assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
        assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_processes_starting_together_share_one_secret_key(tmp_path):
    env = clean_env(tmp_path)
    probe = "import rapport.settings as s; print(s.SECRET_KEY)"
    procs = [
        subprocess.Popen([sys.executable, "-c", probe], env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    keys = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(keys) == 1 and len(keys.pop()) >= 50
    assert [p.name for p in (tmp_path / "var").iterdir() if p.name.startswith(".secret_key")] == []
    assert oct((tmp_path / "var").stat().st_mode)[-3:] == "700"
