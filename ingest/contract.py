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
)

TABLES_BY_NAME: dict[str, LandedTable] = {t.name: t for t in TABLES}

# Metadata columns the loader adds to every raw table.
META_COLUMNS: tuple[str, ...] = ("_source_file", "_row_number", "_loaded_at")
