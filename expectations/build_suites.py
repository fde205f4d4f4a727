"""Write the Great Expectations suites (expectations/suites/<table>.json) from one declaration.

The JSON files are what is reviewed, versioned and loaded by the runner; this module is how
they are written, so that the 18 suites follow one convention instead of 18 hand-edited ones:

- every row rule appears twice: a **warning** copy (GX `mostly` 1.0: any bad row is reported,
  staging quarantines it) and an **error** copy (`mostly` = 1 - block share, 0.9 by default:
  the rule fails for so many rows that the export is wrong as a whole, and the run blocks);
- structural rules (a landing-contract column missing, a key column entirely empty) are
  **error** only;
- range, sign and pair rules read typed views of a column that the runner derives:
  `<column>__date` (the value as a date when it is a real YYYY-MM-DD date, else empty) and
  `<column>__number` (the value as a number when it is a well-formed amount, else empty), so a
  malformed value is reported once, by its format rule, and never again as out of range;
- "not after the as-of date T" is the suite parameter `{"$PARAMETER": "as_of"}`, given at
  validation time, so a suite does not change with T.

What the landing contract (ingest/contract.py) declares is taken from there, never restated:
the tables and their columns in order, the required columns, the allowed values (`in_set`),
the currency columns (`currency`, with `ISO_CURRENCIES`), each column's value format (date,
amount, whole number, decimal, timestamp) and the natural key (`unique_in_file`). The rules
below add only what Great Expectations checks beyond staging: plausible and past dates,
fractions, first-of-month, e-mail shape, pairs, sign rules staging does not quarantine. A rule
the declaration implies but a table's rules below do not place is added at the end of its
suite, so declaring a new enum, currency or required column needs no edit here.

Regenerate after editing a rule, and review the JSON diff:

    .venv/bin/python -m expectations.build_suites          # rewrite the JSON files
    .venv/bin/python -m expectations.build_suites --check  # exit 1 when they are stale

This module imports neither Great Expectations nor pandas: it writes GX's documented suite
serialization (`type`, `kwargs`, `meta`, `severity`), and tests load every file into GX.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ingest.contract import ISO_CURRENCIES, TABLES, LandedTable, number_pattern

SUITES_DIR = Path(__file__).parent / "suites"
DEFAULT_BLOCK_SHARE = 0.10
SUITE_PREFIX = "raw."

# Value formats: the same as dbt staging's casts (stage_validate.sql), which trim spaces first.
# Groups are non-capturing: pandas warns on every capturing group GX's regex check meets.
# A real calendar date: right days per month, 29 February only in leap years.
DATE = (
    r"^\s*(?:\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))|(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)\s*$"
)
FIRST_OF_MONTH = r"^\s*\d{4}-\d{2}-01\s*$"
# Numbers in the forms spreadsheets write them (SPEC 6), the pattern staging's casts accept.
MONEY = r"^\s*(?:" + number_pattern("money") + r")\s*$"
DECIMAL = r"^\s*(?:" + number_pattern("decimal") + r")\s*$"
INTEGER = r"^\s*(?:" + number_pattern("integer") + r")\s*$"
TIMESTAMP = r"^\s*\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\s*$"
# An ISO 4217 code (SPEC 5; staging upper-cases it); CDN for Canadian dollars is not one.
CURRENCY_ISO = r"^\s*(?i:" + "|".join(ISO_CURRENCIES) + r")\s*$"
EMAIL = r"^\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*$"
CODE_LIST = r"^\s*[^|\s]+(?:\s*\|\s*[^|\s]+)*\s*$"

# Typed views the runner derives (see module docstring); the regex decides what converts.
DATE_VIEW = "__date"
NUMBER_VIEW = "__number"
VIEW_FORMATS = {DATE_VIEW: DATE, NUMBER_VIEW: r"^\s*(?:" + number_pattern("number") + r")\s*$"}

FIRST_PLAUSIBLE = "2000-01-01"
LAST_PLAUSIBLE = "2099-12-31"
AS_OF = {"$PARAMETER": "as_of"}

# The format rule of a declared kind: (rule name, regex, expected) as staging's casts accept.
KIND_FORMATS: dict[str, tuple[str, str, str]] = {
    "date": ("date", DATE, "a real date YYYY-MM-DD"),
    "money": ("money", MONEY, "an amount with at most 2 decimals"),
    "integer": ("integer", INTEGER, "a whole number"),
    "decimal": ("decimal", DECIMAL, "a decimal number"),
    "timestamp": ("timestamp", TIMESTAMP, "a timestamp YYYY-MM-DDTHH:MM:SSZ"),
}


class Suite:
    """Collects one table's expectations in GX's JSON shape, with severity in `meta`."""

    def __init__(self, table: LandedTable, notes: str | None = None) -> None:
        self.spec = table
        self.table = table.name
        self.columns = list(table.columns)
        self.key = [table.landed_name(n) for n in table.key]
        self.notes = notes if notes is not None else table.description
        self.expectations: list[dict[str, Any]] = []
        self._ids: set[str] = set()
        for col in self.columns:
            self._structural(
                "expect_column_to_exist",
                {"column": col},
                f"present:{col}",
                f"column {col} present (landing contract)",
                col,
            )
        # A key column that may be empty (client_discounts.effective_from: empty = always) can be
        # empty in a whole file without the file being wrong; only required key columns count.
        for col in self.key:
            if not self.spec.column(col).required:
                continue
            self._structural(
                "expect_column_proportion_of_non_null_values_to_be_between",
                {"column": col, "min_value": 0, "strict_min": True},
                f"not_all_empty:{col}",
                f"key column {col} filled in at least one row",
                col,
            )
        self.required(*(c.name for c in table.column_specs if c.required))

    # -- building blocks -------------------------------------------------------------------
    def _add(self, exp_type: str, kwargs: dict[str, Any], meta: dict[str, Any]) -> None:
        self.expectations.append(
            {
                "type": exp_type,
                "kwargs": kwargs,
                "meta": meta,
                "severity": "critical" if meta["severity"] == "error" else "warning",
            }
        )

    def _structural(self, exp_type: str, kwargs: dict[str, Any], rule: str, expected: str, column: str) -> None:
        assert rule not in self._ids, rule
        self._ids.add(rule)
        self._add(
            exp_type,
            kwargs,
            {"rule": rule, "severity": "error", "kind": "structural", "column": column, "expected": expected},
        )

    def row_rule(
        self,
        exp_type: str,
        kwargs: dict[str, Any],
        rule: str,
        column: str,
        expected: str,
        *,
        quarantined: bool,
    ) -> None:
        """A rule on single rows: a warning copy (every bad row) and an error copy (too many)."""
        assert rule not in self._ids, rule
        self._ids.add(rule)
        base = {"rule": rule, "column": column, "expected": expected, "quarantined_by_staging": quarantined}
        self._add(exp_type, dict(kwargs), {**base, "severity": "warning", "kind": "row"})
        self._add(
            exp_type,
            {**kwargs, "mostly": round(1 - DEFAULT_BLOCK_SHARE, 6)},
            {**base, "severity": "error", "kind": "threshold"},
        )

    # -- rules by meaning ---------------------------------------------------------------------
    def required(self, *cols: str) -> Suite:
        for c in cols:
            self.row_rule(
                "expect_column_values_to_not_be_null", {"column": c}, f"required:{c}", c, "a value",
                quarantined=True,
            )
        return self

    def regex(self, col: str, pattern: str, rule: str, expected: str, *, quarantined: bool = True) -> Suite:
        self.row_rule(
            "expect_column_values_to_match_regex",
            {"column": col, "regex": pattern},
            f"{rule}:{col}",
            col,
            expected,
            quarantined=quarantined,
        )
        return self

    def formats(self, kind: str, *cols: str) -> Suite:
        """The value format staging's cast for `kind` accepts (KIND_FORMATS)."""
        rule, pattern, expected = KIND_FORMATS[kind]
        for c in cols:
            self.regex(c, pattern, rule, expected)
        return self

    def dates(self, *cols: str) -> Suite:
        return self.formats("date", *cols)

    def money(self, *cols: str) -> Suite:
        return self.formats("money", *cols)

    def integers(self, *cols: str) -> Suite:
        return self.formats("integer", *cols)

    def in_set(self, col: str) -> Suite:
        """The column holds one of its declared allowed values (ingest/contract.py `enum`)."""
        values = self.spec.column(col).enum
        assert values, f"{self.table}.{col} declares no allowed values"
        self.row_rule(
            "expect_column_values_to_be_in_set",
            {"column": col, "value_set": list(values)},
            f"in_set:{col}",
            col,
            "one of " + "|".join(values),
            quarantined=True,
        )
        return self

    def currency(self, col: str) -> Suite:
        """An ISO 4217 code, for a column the declaration gives kind `currency`."""
        assert self.spec.column(col).kind == "currency", f"{self.table}.{col} is not a currency column"
        return self.regex(col, CURRENCY_ISO, "currency", "an ISO 4217 currency code")

    def timestamps(self, *cols: str) -> Suite:
        return self.formats("timestamp", *cols)

    def at_least(
        self,
        col: str,
        minimum: float,
        *,
        quarantined: bool,
        strict: bool = False,
        unless: tuple[str, str] | None = None,
        expected: str | None = None,
    ) -> Suite:
        """The number in `col` is >= minimum (> when strict), for rows not matching `unless`."""
        kwargs: dict[str, Any] = {"column": col + NUMBER_VIEW, "min_value": minimum}
        if strict:
            kwargs["strict_min"] = True
        if unless:
            kwargs["row_condition"] = {
                "type": "comparison",
                "column": {"name": unless[0]},
                "operator": "!=",
                "parameter": unless[1],
            }
        rule = "positive" if strict and minimum == 0 else "non_negative" if minimum == 0 else "at_least"
        say = expected or ("positive" if strict and minimum == 0 else f"at least {minimum:g}")
        self.row_rule("expect_column_values_to_be_between", kwargs, f"{rule}:{col}", col, say, quarantined=quarantined)
        return self

    def non_negative(self, *cols: str, quarantined: bool = True) -> Suite:
        for c in cols:
            self.at_least(c, 0, quarantined=quarantined, expected="not negative")
        return self

    def fraction(self, *cols: str) -> Suite:
        """Percentages are fractions: 0.15 is 15%, and 15 is a percentage typed by mistake."""
        for c in cols:
            self.formats("decimal", c)
            self.row_rule(
                "expect_column_values_to_be_between",
                {"column": c + NUMBER_VIEW, "min_value": 0, "max_value": 1},
                f"fraction:{c}",
                c,
                "a fraction between 0 and 1 (0.15 = 15%)",
                quarantined=False,
            )
        return self

    def past(self, *cols: str) -> Suite:
        """Dates of events that already happened: from 2000-01-01 up to the as-of date T."""
        for c in cols:
            self.dates(c)
            self.row_rule(
                "expect_column_values_to_be_between",
                {"column": c + DATE_VIEW, "min_value": FIRST_PLAUSIBLE, "max_value": AS_OF},
                f"not_after_as_of:{c}",
                c,
                f"a date from {FIRST_PLAUSIBLE} up to the as-of date",
                quarantined=False,
            )
        return self

    def plausible(self, *cols: str) -> Suite:
        """Dates that may lie in the future (end, due, effective): only a plausible range."""
        for c in cols:
            self.dates(c)
            self.row_rule(
                "expect_column_values_to_be_between",
                {"column": c + DATE_VIEW, "min_value": FIRST_PLAUSIBLE, "max_value": LAST_PLAUSIBLE},
                f"plausible_date:{c}",
                c,
                f"a date between {FIRST_PLAUSIBLE} and {LAST_PLAUSIBLE}",
                quarantined=False,
            )
        return self

    def month(self, *cols: str) -> Suite:
        for c in cols:
            self.plausible(c)
            self.regex(c, FIRST_OF_MONTH, "first_of_month", "the first day of a month", quarantined=False)
        return self

    def after(self, later: str, earlier: str, view: str = DATE_VIEW, *, or_equal: bool = True,
              quarantined: bool = True) -> Suite:
        self.row_rule(
            "expect_column_pair_values_a_to_be_greater_than_b",
            {
                "column_A": later + view,
                "column_B": earlier + view,
                "or_equal": or_equal,
                "ignore_row_if": "either_value_is_missing",
            },
            f"after:{later}:{earlier}",
            later,
            f"{later} {'on or after' if view == DATE_VIEW else 'at least'} {earlier}"
            if or_equal
            else f"{later} greater than {earlier}",
            quarantined=quarantined,
        )
        return self

    def unique_in_file(self, *cols: str, rule: str = "unique_in_file") -> Suite:
        """The natural key (default: the declared one) appears once per file: twice in one file is a
        row-level exception (SPEC 1); the same key in two files is a restatement (the file sorting
        last wins)."""
        cols = cols or tuple(self.key)
        self.row_rule(
            "expect_compound_columns_to_be_unique",
            {"column_list": [*cols, "_source_file"], "ignore_row_if": "any_value_is_missing"},
            f"{rule}:{','.join(cols)}",
            ", ".join(cols),
            f"{', '.join(cols)} once per file",
            quarantined=True,
        )
        return self

    def unique_in_batch(self, *cols: str) -> Suite:
        self.row_rule(
            "expect_compound_columns_to_be_unique",
            {"column_list": list(cols), "ignore_row_if": "any_value_is_missing"},
            f"unique_in_batch:{','.join(cols)}",
            ", ".join(cols),
            f"{', '.join(cols)} landed once (the same pull is not landed twice)",
            quarantined=False,
        )
        return self

    def finish(self) -> Suite:
        """Add what the declaration implies and the table's rules did not place, then the key rule.

        In column order: the allowed values, the currency rule, the value format of the column's
        kind; last, once per file for the natural key. Nothing is added twice (rule ids).
        """
        for col in self.spec.column_specs:
            if col.enum and f"in_set:{col.name}" not in self._ids:
                self.in_set(col.name)
            if col.kind == "currency" and f"currency:{col.name}" not in self._ids:
                self.currency(col.name)
            if col.kind in KIND_FORMATS and f"{KIND_FORMATS[col.kind][0]}:{col.name}" not in self._ids:
                self.formats(col.kind, col.name)
        if self.spec.breakdown and "unique_row_in_file" not in self._ids:
            self.unique_row_in_file()
        elif not self.spec.breakdown and f"unique_in_file:{','.join(self.key)}" not in self._ids:
            self.unique_in_file()
        return self

    def unique_row_in_file(self) -> Suite:
        """A report split by device, network or ad group repeats the key within a file (SPEC 6, summed
        by staging): only a row identical in every column twice in one file is a duplicate."""
        self.row_rule(
            "expect_compound_columns_to_be_unique",
            {"column_list": [*self.columns, "_source_file"], "ignore_row_if": "all_values_are_missing"},
            "unique_row_in_file",
            self.key[0],
            "each row once per file (rows sharing a campaign-day are summed; identical rows are duplicates)",
            quarantined=True,
        )
        return self

    def to_json(self) -> dict[str, Any]:
        return {
            "name": SUITE_PREFIX + self.table,
            "expectations": self.expectations,
            "meta": {
                "table": self.table,
                "columns": self.columns,
                "natural_key": self.key,
                "block_share": DEFAULT_BLOCK_SHARE,
                "parameters": {"as_of": "the as-of date T (YYYY-MM-DD), given at validation time"},
                "typed_views": {
                    DATE_VIEW: "column value as a date when it is a real YYYY-MM-DD date, else empty",
                    NUMBER_VIEW: "column value as a number when it is a well-formed number, else empty",
                },
                "generated_by": "python -m expectations.build_suites (edit there, regenerate, review this diff)",
            },
            "notes": self.notes,
        }


# -- the rules Great Expectations adds beyond the declaration, per table --------------------------
# Each function receives the table's suite with the structural and required rules in place and
# adds its GX-only rules in suite order; `Suite.finish` then adds what the declaration implies and
# was not placed here, and the natural key's once-per-file rule.
TableRules = Callable[[Suite], object]
NOTES: dict[str, str] = {}
RULES: dict[str, TableRules] = {}


def gx_rules(*tables: str, notes: str) -> Callable[[TableRules], TableRules]:
    """Register a function adding one or more tables' GX-only rules, and their suite notes."""

    def register(fn: TableRules) -> TableRules:
        for table in tables:
            NOTES[table] = notes
            RULES[table] = fn
        return fn

    return register


@gx_rules(
    "google_ads", "meta_ads", "microsoft_ads",
    notes="One row per campaign and day of one pull (extracted_at). Spend and counts cannot be "
    "negative; the spend date is a past day.",
)
def _ads(s: Suite) -> None:
    """The three platforms alike, by the typed names staging gives their columns."""
    date, account, currency, campaign = (s.spec.landed_name(n) for n in ("spend_date", "account_id", "currency",
                                                                          "campaign_id"))
    spend = next(c for c in s.spec.column_specs if c.typed_name in ("spend", "cost_micros"))
    counts = [s.spec.landed_name(n) for n in ("impressions", "clicks")]
    s.past(date)
    s.currency(currency)
    if spend.kind == "integer":
        s.integers(spend.name)
    else:
        s.money(spend.name)
    s.non_negative(spend.name)
    s.integers(*counts).non_negative(*counts, quarantined=False)
    s.timestamps("extracted_at")
    s.unique_in_file()
    s.unique_in_batch(account, campaign, date, "extracted_at")


@gx_rules(
    "clients",
    notes="A client bills in an ISO 4217 currency. billing_email is personal data; only its shape is checked.",
)
def _clients(s: Suite) -> None:
    s.currency("currency").regex("billing_email", EMAIL, "email", "an e-mail address", quarantined=False)


@gx_rules("products", notes="pricing_model media (budget + fee) or flat (fixed monthly fee).")
def _products(s: Suite) -> None:
    s.in_set("pricing_model")


@gx_rules(
    "oem_programs",
    notes="coop_share_pct is a fraction; monthly_cap an amount; eligible_products |-separated codes.",
)
def _oem_programs(s: Suite) -> None:
    (s.fraction("coop_share_pct")
     .money("monthly_cap")
     .non_negative("monthly_cap")
     .regex("eligible_products", CODE_LIST, "code_list", "product codes separated by |", quarantined=False)
     .plausible("start_date")
     .plausible("end_date")
     .after("end_date", "start_date"))


@gx_rules("contracts", notes="end_date (last day of service) may be empty or in the future, never before start_date.")
def _contracts(s: Suite) -> None:
    s.plausible("start_date", "end_date").after("end_date", "start_date")


@gx_rules(
    "budget_schedule",
    notes="A monthly budget or fee from effective_date on (may be in the future); never negative.",
)
def _budget_schedule(s: Suite) -> None:
    s.plausible("effective_date").money("monthly_amount").non_negative("monthly_amount")


@gx_rules("rate_card", notes="Fee tiers [min, max); max empty = no upper bound; fee_pct a fraction.")
def _rate_card(s: Suite) -> None:
    (s.money("min_monthly_budget", "max_monthly_budget")
     .non_negative("min_monthly_budget", "max_monthly_budget")
     .fraction("fee_pct")
     .after("max_monthly_budget", "min_monthly_budget", NUMBER_VIEW, or_equal=False, quarantined=False))


@gx_rules("client_discounts", notes="discount_pct a fraction (reduces the fee); the period may be open-ended.")
def _client_discounts(s: Suite) -> None:
    (s.fraction("discount_pct")
     .plausible("effective_from", "effective_to")
     .after("effective_to", "effective_from", quarantined=False))


@gx_rules(
    "ad_accounts",
    notes="Which contracts an ad account's spend belongs to: a renewal keeps its account, so one account "
    "may map to several contracts; spend on a day goes to the one active that day.",
)
def _ad_accounts(s: Suite) -> None:
    s.in_set("platform")


@gx_rules(
    "invoices",
    notes="invoice_date is a past event (<= T); due_date may be in the future, never before invoice_date. "
    "A negative total is flagged for review (credits are credit memos), not quarantined.",
)
def _invoices(s: Suite) -> None:
    (s.past("invoice_date")
     .plausible("due_date")
     .after("due_date", "invoice_date")
     .currency("currency")
     .money("total_amount")
     .non_negative("total_amount", quarantined=False))


@gx_rules(
    "invoice_lines",
    notes="Only adjustment lines may be negative (a correction); other negative lines are flagged.",
)
def _invoice_lines(s: Suite) -> None:
    (s.integers("line_no")
     .at_least("line_no", 0, quarantined=False, expected="a line number from 0 (QuickBooks numbers from 0)")
     .month("service_month")
     .in_set("line_type")
     .money("amount")
     .at_least("amount", 0, quarantined=False, unless=("line_type", "adjustment"),
               expected="not negative (only adjustment lines may be)"))


@gx_rules(
    "credit_memos",
    notes="amount is the credit's size, positive: the marts subtract it (staging quarantines a negative "
    "one rather than guess the sign).",
)
def _credit_memos(s: Suite) -> None:
    s.past("memo_date").month("service_month").money("amount").non_negative("amount").in_set("reason")


@gx_rules("payments", notes="A received payment: dated <= T, amount not negative.")
def _payments(s: Suite) -> None:
    s.past("payment_date").money("amount").non_negative("amount").in_set("method")


@gx_rules(
    "payment_applications",
    notes="How a payment settles invoices; the sum per payment is a cross-table rule (cross_checks.py).",
)
def _payment_applications(s: Suite) -> None:
    s.money("amount_applied").non_negative("amount_applied")


@gx_rules("write_offs", notes="A written-off part of an invoice: dated <= T, amount not negative.")
def _write_offs(s: Suite) -> None:
    s.past("write_off_date").money("amount").non_negative("amount")


@gx_rules("fx_rates", notes="Rates of any number of ISO 4217 currencies may be listed; a rate is positive.")
def _fx_rates(s: Suite) -> None:
    (s.past("rate_date")
     .currency("currency")
     .formats("decimal", "usd_per_unit")
     .at_least("usd_per_unit", 0, strict=True, quarantined=True))


@gx_rules(
    "ledger_items",
    notes="QuickBooks item names mapped to a product and line type (the QuickBooks connector reads them).",
)
def _ledger_items(s: Suite) -> None:
    s.in_set("line_type")


@gx_rules(
    "client_events",
    notes="Events in a client's life (ownership_change is the one the invoice run reviews); optional.",
)
def _client_events(s: Suite) -> None:
    s.plausible("event_date")


@gx_rules(
    "qbo_balances",
    notes="QuickBooks' own open balances as of a pull (written by the connector); a customer's may be negative.",
)
def _qbo_balances(s: Suite) -> None:
    s.in_set("doc_type").money("balance").timestamps("pulled_at")


@gx_rules(
    "ad_coverage",
    notes="Which accounts and days one ad pull covered (a covered account-day with no rows has zero "
    "spend); extracted_at is the pull's own.",
)
def _ad_coverage(s: Suite) -> None:
    (s.in_set("platform")
     .past("start_date")
     .plausible("end_date")
     .after("end_date", "start_date")
     .timestamps("extracted_at"))


def build_suite(table: LandedTable) -> Suite:
    """One table's suite: the declaration's rules, its GX-only rules, then what the declaration implies."""
    suite = Suite(table, NOTES.get(table.name))
    RULES.get(table.name, lambda s: None)(suite)
    return suite.finish()


def build(tables: Sequence[LandedTable] = TABLES) -> dict[str, dict[str, Any]]:
    """Every suite, by table name, as the JSON it is stored as (a changed declaration gives changed suites)."""
    return {t.name: build_suite(t).to_json() for t in tables}


def render(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the suites, or with --check report (exit 1) which files differ from the rules."""
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    stale = []
    SUITES_DIR.mkdir(exist_ok=True)
    for table, suite in build().items():
        path = SUITES_DIR / f"{table}.json"
        text = render(suite)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        stale.append(path.name)
        if not check:
            path.write_text(text, encoding="utf-8")
    if check and stale:
        print("stale suites (run python -m expectations.build_suites): " + ", ".join(stale))
        return 1
    if not check:
        print(f"wrote {len(stale)} suite file(s) to {SUITES_DIR}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
