"""`headcount campaign …` through the real console script, as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from smtp_sink import smtp_server

HEADCOUNT = str(Path(sys.executable).parent / "headcount")


def run(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **env}
    full_env.pop("HEADCOUNT_DATABASE_URL", None)
    full_env.update(env)
    return subprocess.run(
        [HEADCOUNT, *args], capture_output=True, text=True, cwd=cwd, env=full_env, timeout=300
    )


def test_create_and_send_with_the_default_sqlite_store(tmp_path: Path, roster: Path) -> None:
    created = run(
        "campaign", "create", "wk8", "--roster", str(roster), "--deadline", "2099-01-31",
        "--policy", "VA=mandatory", "--policy", "DOD=exempt", cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "7 employees in service; 4 will be asked" in " ".join(created.stdout.split())
    assert (tmp_path / "headcount.db").is_file()
    with smtp_server() as (sink, port, _):
        sent = run(
            "campaign", "send", "wk8", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
            "--from", "hr@agency.example.gov", "--base-url", "https://hc.example.gov",
            cwd=tmp_path,
        )  # fmt: skip
    assert sent.returncode == 0, sent.stderr
    assert "Invitations sent: 4; failed: 0" in sent.stdout
    assert len(sink.messages) == 4
    assert (tmp_path / "headcount.key").stat().st_mode & 0o077 == 0  # key readable by owner only
    assert "https://hc.example.gov/c/" in str(sink.messages[0].get_body(("plain",)))


def test_bad_requests_exit_2_with_one_sentence(tmp_path: Path, roster: Path) -> None:
    db = f"sqlite:///{tmp_path / 'x.db'}"
    bad_policy = run(
        "campaign", "create", "wk8", "--roster", str(roster), "--deadline", "2099-01-31",
        "--policy", "VA=required", "--database", db, cwd=tmp_path,
    )  # fmt: skip
    assert bad_policy.returncode == 2 and "policy must be one of" in bad_policy.stderr
    unknown = run("campaign", "send", "nope", "--database", db, cwd=tmp_path)
    assert unknown.returncode == 2 and "no campaign 'nope'" in unknown.stderr
    unreachable = run(
        "campaign", "send", "wk8", cwd=tmp_path,
        HEADCOUNT_DATABASE_URL="postgresql://u:s3cret@127.0.0.1:1/db",
    )  # fmt: skip
    assert unreachable.returncode == 2 and "cannot open the database" in unreachable.stderr
    assert "s3cret" not in unreachable.stderr
    assert "Traceback" not in unknown.stderr + unreachable.stderr
