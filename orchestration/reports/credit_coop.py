"""The close's underspend credit run and the co-op claim files, as CSV beside the workbook.

  underspend-credit-run-<T>.csv   the underspend credits to issue, one credit memo per contract and
                                  closed month still owed (marts.underspend_liability_aging), in
                                  the columns QuickBooks Online's credit-memo import maps; Customer
                                  is the QuickBooks customer's DisplayName once a QuickBooks pull
                                  landed it (else the client name), the item the ledger_items item
                                  of line type underspend (else "Underspend credit"). `revwh post
                                  --credits` posts the same rows (orchestration/billing/qbo_post.py)
  underspend-liability-aging-<T>.csv  the same liabilities with days owed and aging bucket
  coop-claims-<T>.csv             co-op reimbursement to claim per program, client and closed month
                                  (marts.coop_claims), in the program's currency and in USD
  coop-enrolment-gaps-<T>.csv     contracts that could be enrolled in their OEM's program and are not
                                  (marts.coop_enrolment_gaps)

Money stays Decimal from DuckDB to the file and is written as plain decimal text with two places
(no thousands separator, no exponent). A text cell that would start a formula in Excel or
QuickBooks gets a leading apostrophe (orchestration.reports.csv_safe). Each file is written beside
its final name and renamed into place, like the workbook. The warehouse is opened read-only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from orchestration.reports.atomic import write_atomically
from orchestration.reports.csv_safe import SafeCsvWriter
from orchestration.reports.marts_reader import MartsSource, open_marts, rows

CENT = Decimal("0.01")
CREDIT_ITEM = "Underspend credit"

# The credit run is the coordinator's review file (revwh post --credits creates the memos through the
# API): QuickBooks Online has no credit memo import in every edition, so its columns follow the
# invoice import's sample file, Invoice replaced by CreditMemo (docs/DECISIONS.md "QuickBooks import headers").
CREDIT_RUN_COLUMNS = ("CreditMemoNo", "Customer", "CreditMemoDate", "Item(Product/Service)", "ItemDescription",
                      "ItemQuantity", "ItemRate", "ItemAmount", "Service Date", "Currency")
AGING_COLUMNS = ("Customer", "Client ID", "Contract", "Month", "Outstanding liability", "Currency", "Days owed",
                 "Aging bucket")
CLAIM_COLUMNS = ("Program code", "OEM", "Customer", "Client ID", "Month", "Eligible delivered media",
                 "Reimbursement", "Currency", "Reimbursement USD", "USD rate day")
GAP_COLUMNS = ("Customer", "Client ID", "OEM", "Contract", "Product code", "Product", "Program code",
               "First active month", "Last active month", "Active months")

_REQUIRED = ("underspend_liability_aging", "coop_claims", "coop_enrolment_gaps")

Row = dict[str, Any]


def credit_run_name(as_of: date) -> str:
    return f"underspend-credit-run-{as_of.isoformat()}.csv"


def liability_aging_name(as_of: date) -> str:
    return f"underspend-liability-aging-{as_of.isoformat()}.csv"


def coop_claims_name(as_of: date) -> str:
    return f"coop-claims-{as_of.isoformat()}.csv"


def enrolment_gaps_name(as_of: date) -> str:
    return f"coop-enrolment-gaps-{as_of.isoformat()}.csv"


def money_text(value: Decimal | None) -> str:
    """Plain decimal text with two places ('' for no amount): 1550.00, -30.00, never 1.55E+3."""
    if value is None:
        return ""
    return format(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP), "f")


def _month(value: date) -> str:
    return value.strftime("%Y-%m")


def credit_memo_no(contract_id: str, month: date) -> str:
    return f"UC-{contract_id}-{_month(month)}"



QBO_COLUMNS = ("qbo_customer_id", "qbo_customer_name", "credit_item")  # added with the QuickBooks round trip


def credit_rows(con: Any, month: date | None = None) -> list[Row]:
    """The underspend credits still owed (outstanding_liability > 0), one per contract and closed
    month, optionally of one month: what the credit run writes and `revwh post --credits` posts.
    A warehouse built before the QuickBooks columns existed gives them as null."""
    present = {c for (c,) in con.execute(
        "select column_name from information_schema.columns"
        " where table_schema = 'marts' and table_name = 'underspend_liability_aging'").fetchall()}
    extra = ", ".join(c if c in present else f"null as {c}" for c in QBO_COLUMNS)
    where = f" and month = date '{month.isoformat()}'" if month is not None else ""
    return rows(con, f"""
        select contract_id, client_id, client_name, product_code, product_name, month,
            outstanding_liability, currency, days_owed, aging_bucket, {extra}
        from marts.underspend_liability_aging
        where outstanding_liability > 0{where}
        order by client_name nulls last, client_id, month, contract_id""")


def _read(warehouse: MartsSource) -> tuple[date, list[Row], list[Row], list[Row]]:
    with open_marts(warehouse, _REQUIRED) as con:
        (as_of,) = con.execute("select as_of_date from marts.warehouse_settings").fetchone()
        liabilities = credit_rows(con)
        claims = rows(con, """
            select program_code, oem, client_id, client_name, month, eligible_delivered_media, reimbursement,
                currency, reimbursement_usd, rate_day
            from marts.coop_claims
            order by program_code, client_name nulls last, client_id, month""")
        gaps = rows(con, """
            select client_id, client_name, oem, contract_id, product_code, product_name, program_code,
                first_active_month, last_active_month, active_months
            from marts.coop_enrolment_gaps
            order by client_name nulls last, client_id, contract_id, program_code""")
    return as_of, liabilities, claims, gaps


def _write_csv(path: Path, columns: Sequence[str], rows: Sequence[Row], cells: Callable[[Row], Sequence[str]]) -> Path:
    def write(partial: Path) -> None:
        with partial.open("w", newline="", encoding="utf-8") as fh:
            writer = SafeCsvWriter(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(cells(row))

    return write_atomically(path, write)


def _name(row: Row) -> str:
    return row["client_name"] if row["client_name"] is not None else row["client_id"]


def customer_name(row: Row) -> str:
    """The QuickBooks customer's DisplayName when a pull landed it (QuickBooks matches the Customer
    column on it exactly), else the client name, else the client_id."""
    return row.get("qbo_customer_name") or _name(row)


def credit_item(row: Row) -> str:
    return row.get("credit_item") or CREDIT_ITEM


def credit_description(row: Row) -> str:
    product = row["product_name"] or row["product_code"] or ""
    return f"Underspend credit: contract {row['contract_id']}, {_month(row['month'])}, {product}"


def _credit_cells(as_of: date) -> Callable[[Row], Sequence[str]]:
    def cells(r: Row) -> Sequence[str]:
        amount = money_text(r["outstanding_liability"])
        return (credit_memo_no(r["contract_id"], r["month"]), customer_name(r), as_of.isoformat(), credit_item(r),
                credit_description(r), "1", amount, amount, r["month"].isoformat(), r["currency"] or "")
    return cells


def _aging_cells(r: Row) -> Sequence[str]:
    return (_name(r), r["client_id"], r["contract_id"], _month(r["month"]), money_text(r["outstanding_liability"]),
            r["currency"] or "", str(r["days_owed"]), r["aging_bucket"])


def _claim_cells(r: Row) -> Sequence[str]:
    return (r["program_code"], r["oem"] or "", _name(r), r["client_id"], _month(r["month"]),
            money_text(r["eligible_delivered_media"]), money_text(r["reimbursement"]), r["currency"] or "",
            money_text(r["reimbursement_usd"]), r["rate_day"].isoformat())


def _gap_cells(r: Row) -> Sequence[str]:
    return (_name(r), r["client_id"], r["oem"] or "", r["contract_id"], r["product_code"], r["product_name"] or "",
            r["program_code"], _month(r["first_active_month"]), _month(r["last_active_month"]),
            str(r["active_months"]))


def write_credit_coop_reports(warehouse: MartsSource, out_dir: Path) -> list[Path]:
    """Write the credit run, the liability aging, the co-op claims and the enrolment gaps CSVs."""
    if isinstance(warehouse, Path | str):
        warehouse = Path(warehouse).expanduser().resolve()
    as_of, liabilities, claims, gaps = _read(warehouse)
    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(out_dir / credit_run_name(as_of), CREDIT_RUN_COLUMNS, liabilities, _credit_cells(as_of)),
        _write_csv(out_dir / liability_aging_name(as_of), AGING_COLUMNS, liabilities, _aging_cells),
        _write_csv(out_dir / coop_claims_name(as_of), CLAIM_COLUMNS, claims, _claim_cells),
        _write_csv(out_dir / enrolment_gaps_name(as_of), GAP_COLUMNS, gaps, _gap_cells),
    ]
