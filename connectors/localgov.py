"""The local-government CSV template → CaseRecords (one consumer complaint per row).

The template ships in the package as ``connectors/templates/local-gov-template.csv``
(UTF-8 with BOM, so spreadsheet programs open it with Japanese intact; files
saved without BOM read as well). Its header writes each column in Japanese
with the machine key in brackets, ``事業者名(operator_name)``; either part
alone is accepted too. Columns (docs/connectors.md has the full table):

===================== ============== ==========================================
key                   Japanese       content
===================== ============== ==========================================
case_reference        受付番号        your case number; makes the record id
complaint_date        受付日          YYYY-MM-DD (or 2026年4月1日, 令和8年4月1日, 2026-04)
operator_name *       事業者名        the operator complained about (required)
operator_type         種別            法人 / organization (default), 個人 / person
operator_address      所在地          as given
website               ウェブサイト     one or more URLs
phone                 電話番号         national (JP) or +international
email                 メールアドレス   one or more
wallet_chain          チェーン        BTC, ETH, TRX … (blank: told by the address)
wallet_address        ウォレットアドレス one or more, on that chain
amount_jpy            被害額          damage in yen
complaint_summary     相談内容        what the resident reported
notes                 備考            anything else
===================== ============== ==========================================

Record: the operator (role UNAUTHORIZED_OPERATOR) with its website, phone
and e-mail as identifiers (each becomes its own node, so two agencies'
reports of one website meet), each wallet as a CryptoWallet the operator
CONTROLS. Record id ``lg:<case_reference>``, or ``lg:h:<hash of the row>``
without one. A bad phone, e-mail, URL or wallet checksum is a bad row that
says which cell to fix; the complaint is pushed without that value.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from connectors import wallets
from connectors.base import BadRow, Options, RecordBuilder, digest, normalize_text, parse_when, record_id
from connectors.tabular import Columns, records_from_table
from connectors.warnings import split_urls
from regulink.v1 import records_pb2 as pb

PREFIX = "lg"
TEMPLATE = Path(__file__).parent / "templates" / "local-gov-template.csv"
COLUMNS = Columns(
    {
        "case_reference": ("受付番号", "整理番号", "case number", "reference"),
        "complaint_date": ("受付日", "相談日", "date"),
        "operator_name": ("事業者名", "業者名", "名称", "operator"),
        "operator_type": ("種別", "法人個人", "type"),
        "operator_address": ("所在地", "住所", "address"),
        "website": ("ウェブサイト", "url", "ホームページ"),
        "phone": ("電話番号", "電話", "tel"),
        "email": ("メールアドレス", "メール", "e-mail"),
        "wallet_chain": ("チェーン", "通貨", "chain"),
        "wallet_address": ("ウォレットアドレス", "ウォレット", "wallet"),
        "amount_jpy": ("被害額", "被害額(円)", "金額"),
        "complaint_summary": ("相談内容", "概要", "summary"),
        "notes": ("備考", "remarks"),
    },
    required=("operator_name",),
)
PERSON_WORDS = {"個人", "person", "individual", "人"}


def read(path: Path, options: Options) -> Iterator[tuple[str, pb.CaseRecord] | BadRow]:
    yield from records_from_table(path, options, COLUMNS, _record, options.record_prefix or PREFIX)


def _record(where: str, row: dict[str, str], extra: dict[str, str], options: Options, prefix: str):
    name = normalize_text(row.get("operator_name", ""))
    if not name:
        yield BadRow(where, "operator_name (事業者名) is empty")
        return
    try:
        received = parse_when(row.get("complaint_date", ""))
    except ValueError as exc:
        yield BadRow(where, f"complaint_date (受付日): {exc}")
        return
    reference = normalize_text(row.get("case_reference", ""))
    source_id = reference or "h:" + digest(*(f"{k}={v}" for k, v in sorted(row.items())))
    rec_id = record_id(prefix, source_id) if reference else f"{prefix}:{source_id}"
    builder = RecordBuilder(rec_id, where, options, issued_at=received.moment if received else None,
                            case_reference=reference,
                            summary=row.get("complaint_summary", "") or f"Complaint about {name}")
    kind = pb.ENTITY_TYPE_PERSON if normalize_text(row.get("operator_type", "")).casefold() in PERSON_WORDS \
        else pb.ENTITY_TYPE_ORGANIZATION
    operator = builder.entity("operator", kind, name)
    operator.role(pb.ENTITY_ROLE_UNAUTHORIZED_OPERATOR)
    operator.attribute("address", row.get("operator_address"))
    operator.attribute("complaint_date", received.iso() if received else None)  # 2026-04 stays a month
    operator.attribute("amount_jpy", row.get("amount_jpy")).attribute("notes", row.get("notes"))
    for header, value in extra.items():
        operator.attribute(header, value)
    for url in split_urls(row.get("website", "")):
        operator.identifier("url", url, where=f"{where} (website)")
    for phone in re.split(r"[,;、\n]+", row.get("phone", "")):
        if phone.strip():
            operator.identifier("phone", phone.strip(), "JP", where=f"{where} (phone)")
    for email in re.split(r"[\s,;、]+", row.get("email", "")):
        if email:
            operator.identifier("email", email, where=f"{where} (email)")
    ticker = row.get("wallet_chain", "").strip()
    for n, address in enumerate(a for a in re.split(r"[\s,;、]+", row.get("wallet_address", "")) if a):
        chain = wallets.chain_for(ticker, address) if ticker else wallets.guess_chain(address)
        if chain is None:
            builder.problem(f"wallet {address[:80]!r}: cannot tell its chain; fill wallet_chain (チェーン)",
                            where=f"{where} (wallet_address)")
            continue
        wallet = builder.entity(f"w{n + 1}", pb.ENTITY_TYPE_CRYPTO_WALLET)
        if wallet.identifier("wallet", address, chain, where=f"{where} (wallet_address)"):
            builder.link("operator", wallet.ref, pb.LINK_TYPE_CONTROLS, evidence=reference or "resident's complaint",
                         notes=row.get("complaint_summary", "")[:500])
    yield from builder.finish()
