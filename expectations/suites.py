"""The expectation suites, one per landed table, as reviewable declarations.

Each rule names the columns it checks and the kind of check; runner.py turns them into GX
expectations. Rules describe single rows (quarantined by staging when they fail) unless marked
`structural`; see README.md for how a row rule becomes blocking.
"""

from __future__ import annotations

from dataclasses import dataclass

DATE = r"^\d{4}-\d{2}-\d{2}$"
MONEY = r"^-?\d{1,15}(\.\d{1,2})?$"
MONEY_NONNEG = r"^\d{1,15}(\.\d{1,2})?$"
DECIMAL_NONNEG = r"^\d{1,9}(\.\d{1,9})?$"
INTEGER = r"^-?\d{1,18}(\.0+)?$"
INTEGER_NONNEG = r"^\d{1,18}(\.0+)?$"
TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"
CURRENCIES = ("USD", "CAD")


@dataclass(frozen=True)
class Rule:
    """One expectation: `kind` is not_null | regex | in_set | unique | date_range | a_ge_b."""

    kind: str
    columns: tuple[str, ...]
    arg: object = None
    describe: str = ""
    structural: bool = False  # always blocks when it fails (the file cannot be trusted at all)


def _req(*cols: str) -> list[Rule]:
    return [Rule("not_null", (c,), describe="a value") for c in cols]


def _re(col: str, pattern: str, what: str) -> Rule:
    return Rule("regex", (col,), pattern, what)


def _in(col: str, values: tuple[str, ...]) -> Rule:
    return Rule("in_set", (col,), values, "one of " + "|".join(values))


def _past(*cols: str) -> list[Rule]:
    """Dates of past events: not before 2000 and not after the as-of date T."""
    return [Rule("date_range", (c,), "past", "a date between 2000-01-01 and T") for c in cols]


def _any(*cols: str) -> list[Rule]:
    return [Rule("date_range", (c,), "any", "a date from 2000-01-01 on") for c in cols]


def _key(*cols: str) -> Rule:
    return Rule("unique", cols, describe="unique " + ", ".join(cols))


def _ads(
    date_col: str, account: str, currency: str, campaign: str, money: tuple[str, str], counts: tuple[str, ...]
) -> list[Rule]:
    col, pattern = money
    return [
        *_req(date_col, account, currency, campaign, col, "extracted_at"),
        _re(date_col, DATE, "a date YYYY-MM-DD"),
        *_past(date_col),
        _in(currency, CURRENCIES),
        _re(col, pattern, "a non-negative amount"),
        *[_re(c, INTEGER_NONNEG, "a non-negative whole number") for c in counts],
        _re("extracted_at", TIMESTAMP, "a timestamp YYYY-MM-DDTHH:MM:SSZ"),
        _key(account, campaign, date_col, "extracted_at"),
    ]


SUITES: dict[str, list[Rule]] = {
    "google_ads": _ads(
        "segments_date",
        "customer_id",
        "customer_currency_code",
        "campaign_id",
        ("metrics_cost_micros", INTEGER_NONNEG),
        ("metrics_impressions", "metrics_clicks"),
    ),
    "meta_ads": _ads(
        "date_start",
        "account_id",
        "account_currency",
        "campaign_id",
        ("spend", MONEY_NONNEG),
        ("impressions", "clicks"),
    ),
    "microsoft_ads": _ads(
        "TimePeriod", "AccountId", "CurrencyCode", "CampaignId", ("Spend", MONEY_NONNEG), ("Impressions", "Clicks")
    ),
    "clients": [*_req("client_id", "client_name", "currency"), _in("currency", CURRENCIES), _key("client_id")],
    "products": [*_req("product_code", "pricing_model"), _in("pricing_model", ("media", "flat")), _key("product_code")],
    "oem_programs": [
        *_req("program_code", "coop_share_pct", "monthly_cap"),
        _re("coop_share_pct", DECIMAL_NONNEG, "a non-negative fraction"),
        _re("monthly_cap", MONEY_NONNEG, "a non-negative amount"),
        _key("program_code"),
    ],
    "contracts": [
        *_req("contract_id", "client_id", "product_code", "start_date"),
        _re("start_date", DATE, "a date YYYY-MM-DD"),
        _re("end_date", DATE, "a date YYYY-MM-DD"),
        *_any("start_date", "end_date"),
        Rule("a_ge_b", ("end_date", "start_date"), describe="end_date on or after start_date"),
        _key("contract_id"),
    ],
    "budget_schedule": [
        *_req("contract_id", "effective_date", "monthly_amount"),
        _re("effective_date", DATE, "a date YYYY-MM-DD"),
        *_any("effective_date"),
        _re("monthly_amount", MONEY_NONNEG, "a non-negative amount"),
        _key("contract_id", "effective_date"),
    ],
    "rate_card": [
        *_req("product_code", "min_monthly_budget", "fee_pct"),
        _re("min_monthly_budget", MONEY_NONNEG, "a non-negative amount"),
        _re("max_monthly_budget", MONEY_NONNEG, "a non-negative amount"),
        _re("fee_pct", DECIMAL_NONNEG, "a non-negative fraction"),
        _key("product_code", "min_monthly_budget"),
    ],
    "client_discounts": [
        *_req("client_id", "product_code", "discount_pct"),
        _re("discount_pct", DECIMAL_NONNEG, "a non-negative fraction"),
        *_any("effective_from", "effective_to"),
        Rule("a_ge_b", ("effective_to", "effective_from"), describe="effective_to on or after effective_from"),
        _key("client_id", "product_code", "effective_from"),
    ],
    "ad_accounts": [
        *_req("platform", "account_id", "contract_id"),
        _in("platform", ("google_ads", "meta_ads", "microsoft_ads")),
        _key("platform", "account_id"),
    ],
    "invoices": [
        *_req("invoice_id", "client_id", "invoice_date", "due_date", "currency", "total_amount"),
        _re("invoice_date", DATE, "a date YYYY-MM-DD"),
        *_past("invoice_date"),
        *_any("due_date"),
        _in("currency", CURRENCIES),
        _re("total_amount", MONEY, "an amount with at most 2 decimals"),
        Rule("a_ge_b", ("due_date", "invoice_date"), describe="due_date on or after invoice_date"),
        _key("invoice_id"),
    ],
    "invoice_lines": [
        *_req("invoice_id", "line_no", "service_month", "line_type", "amount"),
        _re("line_no", INTEGER, "a whole number"),
        *_any("service_month"),
        _in("line_type", ("media", "management_fee", "flat_fee", "adjustment")),
        _re("amount", MONEY, "an amount with at most 2 decimals"),
        _key("invoice_id", "line_no"),
    ],
    "credit_memos": [
        *_req("credit_memo_id", "client_id", "memo_date", "amount", "reason"),
        *_past("memo_date"),
        _re("amount", MONEY_NONNEG, "a non-negative amount"),
        _in("reason", ("underspend", "dispute", "billing_error", "goodwill")),
        _key("credit_memo_id"),
    ],
    "payments": [
        *_req("payment_id", "client_id", "payment_date", "amount"),
        *_past("payment_date"),
        _re("amount", MONEY_NONNEG, "a non-negative amount"),
        _in("method", ("card", "ach", "check", "wire")),
        _key("payment_id"),
    ],
    "payment_applications": [
        *_req("payment_id", "invoice_id", "amount_applied"),
        _re("amount_applied", MONEY_NONNEG, "a non-negative amount"),
        _key("payment_id", "invoice_id"),
    ],
    "write_offs": [
        *_req("invoice_id", "write_off_date", "amount"),
        *_past("write_off_date"),
        _re("amount", MONEY_NONNEG, "a non-negative amount"),
        _key("invoice_id", "write_off_date"),
    ],
    "fx_rates": [
        *_req("rate_date", "currency", "usd_per_unit"),
        *_past("rate_date"),
        _re("usd_per_unit", DECIMAL_NONNEG, "a positive rate"),
        _key("rate_date", "currency"),
    ],
}
