"""Cut a whole OFAC SDN legacy CSV folder down to the rows the tests need, byte for byte.

    python tests/data/ofac/make_cut.py WHOLE_FOLDER OUT_FOLDER

Kept from sdn.csv (physical lines, untouched): the first 10 entries, every
entry whose remarks (joined with sdn_comments.csv) mention a Digital Currency
Address, every entry whose remarks reach OFAC's 1,000-character cut, the
entries those name in ``Linked To:``, the first entry carrying each kind of
identity number the connector reads (registration, LEI, tax, passport,
SWIFT/BIC …), LIMITED LIABILITY COMPANY INTER TOBACCO (ent_num 32733, also in
OpenSanctions' FtM fixture), one vessel and one aircraft, and the DOS EOF
byte line. add.csv, alt.csv and sdn_comments.csv, when the folder has them,
are cut to the same entries.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

LABELS = ("Registration Number", "Legal Entity Number", "Tax ID No.", "National ID No.", "Passport", "SWIFT/BIC",
          "D-U-N-S Number", "Unified Social Credit Code", "Company Number", "Government Gazette Number")
ALWAYS = {32733}


def rows(path: Path) -> list[tuple[bytes, list[str]]]:
    """(physical line, parsed fields) of every line (OFAC rows are one line each)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_bytes().splitlines(keepends=True):
        text = line.replace(b"\x1a", b"").decode("utf-8", errors="replace")
        fields = next(csv.reader(io.StringIO(text)), [])
        out.append((line, fields))
    return out


def main(whole: Path, out: Path) -> None:
    sdn = rows(whole / "sdn.csv")
    comments: dict[str, str] = {}
    for _, fields in rows(whole / "sdn_comments.csv"):
        if len(fields) >= 2:
            comments[fields[0]] = comments.get(fields[0], "") + fields[1]
    entries = [(line, f) for line, f in sdn if len(f) == 12 and f[0].isdigit()]
    by_name = {f[1].rstrip(".").casefold(): f[0] for _, f in entries}
    keep: set[str] = {f[0] for _, f in entries[:10]} | {str(n) for n in ALWAYS}
    for _, f in entries:
        remarks = f[11] + comments.get(f[0], "")
        if "Digital Currency Addr" in remarks or len(f[11]) >= 1000:
            keep.add(f[0])
            for name in re.findall(r"Linked To: ([^;]+)", remarks):
                if name.strip().rstrip(".").casefold() in by_name:
                    keep.add(by_name[name.strip().rstrip(".").casefold()])
    for label in LABELS:
        keep.add(next(f[0] for _, f in entries if re.search(rf"(^|; )(alt\. )?{re.escape(label)} ", f[11])))
    for kind in ("vessel", "aircraft"):
        keep.add(next(f[0] for _, f in entries if f[2] == kind))
    out.mkdir(parents=True, exist_ok=True)
    for name in ("sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"):
        if not (whole / name).exists():
            continue
        lines = [line for line, f in rows(whole / name) if (f and f[0] in keep) or line.strip() == b"\x1a"]
        (out / name).write_bytes(b"".join(lines))
    print(f"{len(keep)} entries kept")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
