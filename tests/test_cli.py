"""The `newsbrief` command line, run in-process on the shipped config and the seeds."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import main, run_jsonl

ROOT = Path(__file__).resolve().parent.parent
SEED_ARTICLE = ROOT / "seeds" / "000_73dc0a62098f353a.txt"


@pytest.fixture(autouse=True)
def isolated_data(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("NEWSBRIEF_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("NEWSBRIEF_DATABASE_URL", raising=False)
    monkeypatch.delenv("NEWSBRIEF_CONFIG", raising=False)
    monkeypatch.chdir(ROOT)
    return tmp_path


def test_digest_dry_run_prints_the_seed_digest(
    capsys: pytest.CaptureFixture[str], isolated_data: Path
) -> None:
    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Newsbrief digest" in out
    assert "Harlow Bay night ferry crossings to stop in January as captains leave" in out  # the feed's title
    assert "Main library to open on Sundays" in out
    assert "“We cannot run a ferry without people qualified to steer it” — Marta Okafor" in out
    assert "first report" in out
    # Each of the four briefs is printed in full: a three-sentence summary and the key quotes.
    assert (
        out.count("    Summary\n") == 4
        and "“Cutting the late sailings is the least bad option we have.”" in out
    )
    # The follow-up from another outlet is grouped with the first ferry report and says what it adds.
    assert out.index("Island workers ask for water taxi") < out.index("Main library")
    assert "new: A petition signed by 640 islanders" in out
    assert (isolated_data / "newsbrief.db").exists()


def test_poll_prints_a_table_per_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poll"]) == 0
    first = capsys.readouterr().out
    assert "Newsbrief seeds" in first and "│   4 │" in first
    assert main(["poll"]) == 0
    again = capsys.readouterr().out
    assert "│   0 │       0 │         4 │      0 │ ok" in again


def test_brief_of_a_file_as_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(ROOT / "seeds" / "003_library_hours.txt")
    assert main(["brief", path]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Harlow Bay's main library to open on Sundays\n")
    assert "Tomas Whitfield" in text and "first report" in text
    assert main(["brief", path, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"id", "headline", "summary", "quotes", "changes", "url", "source"}
    assert len(data["summary"]) == 3
    assert data["changes"]["basis"] == "first_report"
    assert data["quotes"][0]["speaker"] == "Tomas Whitfield"


def test_brief_with_a_previous_version_shows_the_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = (ROOT / "seeds" / "003_library_hours.txt").read_text()
    new = old.replace("$180,000", "$195,000")
    (tmp_path / "old.txt").write_text(old)
    (tmp_path / "new.txt").write_text(new)
    assert main(["brief", str(tmp_path / "new.txt"), "--previous", str(tmp_path / "old.txt"), "--json"]) == 0
    changes = json.loads(capsys.readouterr().out)["changes"]
    assert changes["basis"] == "previous_version"
    assert changes["items"] == [{"kind": "number_changed", "before": "$180,000", "after": "$195,000"}]


def test_jsonl_is_in_order_and_survives_bad_lines() -> None:
    lines = [
        json.dumps(
            {
                "id": "a",
                "text": 'The mayor resigned on Friday. "It was time," she said. The council meets Monday.',
            }
        ),
        "not json",
        json.dumps(
            {
                "id": 7,
                "html": "<html><body><article><p>Rain is expected across the region on Sunday, forecasters said in a statement on Saturday morning.</p></article></body></html>",
            }
        ),
        json.dumps({"id": "c"}),
    ]
    out = io.StringIO()
    assert run_jsonl(io.StringIO("\n".join(lines) + "\n"), out, 3) == 0
    results = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["id"] for r in results] == ["a", None, 7, "c"]
    assert results[0]["headline"] == "Mayor resigned on Friday"
    assert [q["text"].rstrip(",") for q in results[0]["quotes"]] == ["It was time"]
    assert "not JSON" in results[1]["error"]
    assert "Rain is expected" in results[2]["summary"][0]
    assert "needs 'text' or 'html'" in results[3]["error"]


def test_bad_input_gets_a_clear_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["brief", "no/such/file.txt"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["brief", "http://10.0.0.1/article"]) == 1
    assert "private" in capsys.readouterr().err
    assert main(["digest"]) == 2
    assert "--dry-run" in capsys.readouterr().err
    monkeypatch.setenv("NEWSBRIEF_DIGEST_MAX_ITEMS", "0")
    assert main(["poll"]) == 2
    assert "NEWSBRIEF_DIGEST_MAX_ITEMS" in capsys.readouterr().err


def test_a_huge_article_is_refused_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"All work and no play. " * 300_000)  # 6.6 MB
    assert main(["brief", str(huge)]) == 1
    assert "too large" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(huge.read_bytes())))
    assert main(["brief", "-"]) == 1
    assert "too large" in capsys.readouterr().err


def test_run_without_a_token_says_so_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert main(["run"]) == 2
    out = capsys.readouterr().out.strip()
    assert "DISCORD_TOKEN" in out and "newsbrief digest --dry-run" in out and "\n" not in out


@pytest.mark.skipif(not SEED_ARTICLE.exists(), reason=f"{SEED_ARTICLE.name} is not in seeds/")
def test_the_seed_article_brief(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["brief", str(SEED_ARTICLE), "--json"]) == 0
    brief = json.loads(capsys.readouterr().out)
    headline = brief["headline"]
    assert "Hegseth" in headline and "NATO" in headline and "Ukraine" in headline, headline
    assert not headline.startswith("Well") and not headline.endswith("…"), headline
    assert len(brief["summary"]) == 3
    assert not brief["summary"][0].startswith("Well, that’s one way"), brief["summary"]
    quotes = {q["text"].rstrip(".,"): q["speaker"] for q in brief["quotes"]}
    quotes_said = (
        "We need a ceasefire",
        "If there are security guarantees, they will not involve U.S. boots on the ground",
        "We need to prepare for great-power competition",
    )
    for said in quotes_said:
        assert quotes.get(said) == "Pete Hegseth", (said, quotes)
    assert brief["changes"]["basis"] == "first_report"
    assert main(["brief", str(SEED_ARTICLE)]) == 0
    text = capsys.readouterr().out
    assert text.startswith(f"{headline}\n") and "first report" in text
    # The README's first command prints it too, in full.
    assert main(["digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    for said in quotes_said:
        assert f"“{said}" in out and "— Pete Hegseth" in out, said
    # The digest shows the same headline as the brief of the file.
    assert f"■ {headline}\n" in out
