"""The landing contract of SPEC section 1: which folder holds which table, with which columns.

One place for it, so the loader, the demo generator, the checks and the docs agree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LandedTable:
    """One landed table: its folder under the landing dir and its required columns, in order."""

    name: str
    folder: str
    columns: tuple[str, ...]

    @property
    def source(self) -> str:
        """The dbt source name (the landing folder's last part)."""
        return self.folder.split("/")[-1] if self.folder.startswith("ads/") else self.folder

    @property
    def is_ad_platform(self) -> bool:
        """A platform's spend table (`ads/<platform>/`), as opposed to contracting, accounting, fx."""
        return self.folder.startswith("ads/")


def _t(name: str, folder: str, columns: str) -> LandedTable:
    return LandedTable(name, folder, tuple(c.strip() for c in columns.split(",")))


TABLES: tuple[LandedTable, ...] = (
    _t(
        "google_ads",
        "ads/google_ads",
        "segments_date, customer_id, customer_currency_code, customer_time_zone, campaign_id,"
        " campaign_name, metrics_cost_micros, metrics_impressions, metrics_clicks, extracted_at",
    ),
    _t(
        "meta_ads",
        "ads/meta_ads",
        "date_start, account_id, account_currency, campaign_id, campaign_name, spend,"
        " impressions, clicks, extracted_at",
    ),
    _t(
        "microsoft_ads",
        "ads/microsoft_ads",
        "TimePeriod, AccountId, CurrencyCode, CampaignId, CampaignName, Spend, Impressions,"
        " Clicks, extracted_at",
    ),
    _t("clients", "contracting", "client_id, client_name, oem, country, currency, billing_email"),
    _t("products", "contracting", "product_code, product_name, product_line, pricing_model"),
    _t(
        "oem_programs",
        "contracting",
        "program_code, oem, coop_share_pct, monthly_cap, eligible_products",
    ),
    _t(
        "contracts",
        "contracting",
        "contract_id, client_id, product_code, program_code, start_date, end_date",
    ),
    _t("budget_schedule", "contracting", "contract_id, effective_date, monthly_amount"),
    _t("rate_card", "contracting", "product_code, min_monthly_budget, max_monthly_budget, fee_pct"),
    _t(
        "client_discounts",
        "contracting",
        "client_id, product_code, discount_pct, effective_from, effective_to",
    ),
    _t("ad_accounts", "contracting", "platform, account_id, contract_id"),
    _t("invoices", "accounting", "invoice_id, client_id, invoice_date, due_date, currency, total_amount"),
    _t(
        "invoice_lines",
        "accounting",
        "invoice_id, line_no, contract_id, service_month, line_type, amount",
    ),
    _t(
        "credit_memos",
        "accounting",
        "credit_memo_id, client_id, contract_id, service_month, memo_date, amount, reason,"
        " applied_invoice_id",
    ),
    _t("payments", "accounting", "payment_id, client_id, payment_date, amount, method, reference"),
    _t("payment_applications", "accounting", "payment_id, invoice_id, amount_applied"),
    _t("write_offs", "accounting", "invoice_id, write_off_date, amount, reason"),
    _t("fx_rates", "fx", "rate_date, currency, usd_per_unit"),
    # Pull coverage (SPEC 5): beside a pull file in ads/<platform>/, `<pull>.coverage.csv` says
    # which accounts and days the pull covered; a covered account-day with no rows has zero spend.
    _t("ad_coverage", "ads", "platform, account_id, start_date, end_date, extracted_at"),
)

# ISO 4217 currency codes a landed currency column may hold (SPEC 5: any other code, such as
# CDN for Canadian dollars, is a row exception). Precious metals and test codes are left out.
# dbt_project/macros/iso_currencies.sql holds the same list (tests/test_contract.py checks it).
ISO_CURRENCIES: tuple[str, ...] = (
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD",
    "CAD", "CDF", "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP",
    "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS",
    "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW",
    "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD",
    "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR",
    "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL",
    "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
)


TABLES_BY_NAME: dict[str, LandedTable] = {t.name: t for t in TABLES}

# Suffix of a pull-coverage file's stem: `google_ads_2026-10-09_2026-10-15_X.coverage.csv`.
COVERAGE_SUFFIX = ".coverage"

# Metadata columns the loader adds to every raw table.
META_COLUMNS: tuple[str, ...] = ("_source_file", "_row_number", "_loaded_at")
