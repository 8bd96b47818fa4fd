"""`regulink ingest --dry-run` as an operator sees it: the summary, the hints, the exit codes, the text as written.

Run as a real process (what the operator types); no gateway is needed for a dry run.
"""

from __future__ import annotations

import os
import subprocess
import sys

from .helpers import DATA

ESMA = DATA / "warnings" / "esma-ncasp-2026-08-16.csv"
TAKAME_ESMA = DATA / "warnings" / "takame-esma-mica-nca.csv"


def ingest(*args: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "COLUMNS": "400"}  # one line per message: assert on whole lines
    return subprocess.run([sys.executable, "-m", "gateway.cli.main", "ingest", *args, "--as", "fsa-jp", "--dry-run"],
                          capture_output=True, text=True, env=environment, timeout=120)


def test_bad_rows_are_printed_as_written_not_as_markup_or_emoji(tmp_path):
    path = tmp_path / "sdn.csv"
    lines = ["name,date"] + [f"Operator {n} Ltd,2026-01-{1 + n % 28:02d}" for n in range(2, 100)]
    lines += ["[bold]Hundred[/bold] Ltd,someday :smile:"]  # line 100: a bad date, with markup and an emoji code
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = ingest("warnings", str(path), "--authority", "JP-FSA")
    assert done.returncode == 0, done.stderr
    assert "bad row sdn.csv:100: date of warning: 'someday :smile:' is not a date" in done.stderr
    assert "💯" not in done.stderr and "😄" not in done.stderr
    assert "records 98" in done.stderr and "bad rows 1" in done.stderr


def test_the_summary_names_columns_not_understood_and_repeats_skipped():
    done = ingest("warnings", str(ESMA), "--authority", "EU-ESMA")
    assert done.returncode == 0, done.stderr
    assert "read 167, records 165" in done.stderr and "skipped: duplicate row 2" in done.stderr
    assert "columns not understood, kept as attributes under their own header: 'ae_infrigment' (167 rows)" \
        in done.stderr


def test_a_list_without_dates_says_to_pass_issued_at_once_and_fails():
    done = ingest("warnings", str(TAKAME_ESMA), "--authority", "EU-ESMA")
    assert done.returncode == 2
    assert done.stderr.count("bad row takame-esma-mica-nca.csv:") == 3  # said three times, then counted
    assert "no issue date (pass --issued-at) — 167 more like this" in done.stderr
    assert "170 items carry no date of their own: pass --issued-at YYYY-MM-DD" in done.stderr
    assert "nothing usable: every one of the 170 items read was a bad row" in done.stderr
    dated = ingest("warnings", str(TAKAME_ESMA), "--authority", "EU-ESMA", "--issued-at", "2026-09-01")
    assert dated.returncode == 0 and "records 170" in dated.stderr and "bad rows 0" in dated.stderr


def test_the_wrong_format_fails_and_names_the_right_one(tmp_path):
    as_stix = ingest("stix", str(ESMA))
    assert as_stix.returncode == 2
    assert "nothing usable: every one of the 1 items read was a bad row" in as_stix.stderr
    assert "hint: this looks like a CSV file whose headers read as a warnings list" in as_stix.stderr
    assert f"regulink ingest warnings {ESMA} --authority CC-NAME" in as_stix.stderr
    sdn = DATA / "ofac" / "sdn.csv"
    as_warnings = ingest("warnings", str(sdn), "--authority", "US-OFAC")
    assert as_warnings.returncode == 2 and "missing column name" in as_warnings.stderr
    assert "this looks like OFAC's SDN legacy CSV" in as_warnings.stderr
    assert f"regulink ingest ofac {sdn.parent}" in as_warnings.stderr
    as_local = ingest("localgov", str(ESMA))
    assert as_local.returncode == 2 and "regulink ingest warnings" in as_local.stderr


def test_a_source_that_cannot_be_opened_is_one_line():
    folder = DATA / "ofac"
    done = ingest("warnings", str(folder), "--authority", "US-OFAC")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"error: cannot read {folder} as warnings" in done.stderr
    assert f"regulink ingest ofac {folder}" in done.stderr


def test_a_good_run_says_nothing_more():
    done = ingest("warnings", str(DATA / "warnings" / "fsa-warnings.csv"), "--authority", "JP-FSA")
    assert done.returncode == 0 and "hint" not in done.stderr and "note" not in done.stderr
