"""The checktext command contract: formats, exit codes, JSON Lines streaming."""

import io
import json

import pytest
from django.core.management import CommandError, call_command


def run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("checktext", *args, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except CommandError as exc:
        code = exc.returncode
        err.write(str(exc))
    return code, out.getvalue(), err.getvalue()


def test_json_output_and_exit_code_when_blocked() -> None:
    code, out, _err = run("--format", "json", stdin="Hetu 131052-308T")
    payload = json.loads(out)
    assert code == 1 and payload["blocked"] is True
    assert payload["findings"][0]["rule"] == "privacy.hetu"


def test_clean_text_exits_zero() -> None:
    code, out, _err = run("--only", "privacy", stdin="Kirjasto on auki.")
    assert code == 0 and out.strip() == "OK"


def test_jsonl_streams_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"id": "1", "text": "Soita 040 123 4567"}),
        "{broken",
        json.dumps({"id": "3", "text": "Kuva", "channel": "x", "media": [{"type": "image"}]}),
        json.dumps({"id": 4, "text": "x"}),
    ]
    code, out, err = run("--jsonl", stdin="\n".join(lines))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 2
    assert [r.get("id") for r in rows] == ["1", None, "3", 4]
    assert rows[0]["findings"][0]["rule"] == "privacy.phone"
    assert "error" in rows[1] and "error" in rows[3]
    assert "channel.alt_text" in {f["rule"] for f in rows[2]["findings"]}
    assert "line 2" in err and "line 4" in err


@pytest.mark.parametrize(
    "args", [("--only", "nonsense"), ("--channel", "myspace"), ("/no/such/file.txt",)]
)
def test_usage_errors_exit_two(args: tuple[str, ...]) -> None:
    code, _out, _err = run(*args, stdin="x")
    assert code == 2


def test_swedish_messages_use_swedish_translation_when_present() -> None:
    code, out, _err = run("--format", "json", "--lang", "sv", stdin="Ring 040 123 4567")
    assert code == 0 and json.loads(out)["findings"][0]["rule"] == "privacy.phone"
