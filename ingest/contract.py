"""The landing contract of SPEC section 1: every rule about a landed table, declared once.

Each landed table is one `LandedTable`: its folder and file-name rule, its columns (name, kind,
required, allowed values, sign, rename, description), its natural key, how "latest wins" ranks
its rows, its row checks and whether pull coverage applies. Everything else is read from here
or generated from here, so one change to the contract is one edit in this file:

- the loader, the reader and the demo generator read `LandedTable.columns` (the landed names);
- `python -m ingest.contract_codegen` writes the dbt base models
  (`dbt_project/models/staging/<source>/base/base_<source>__<table>.sql`, each a call of
  `stage_validate`), the dbt macro `landed_base_models()` and `docs/landing-contract.md`;
- `python -m expectations.build_suites` takes columns, required columns, allowed values,
  currency columns, value formats and natural keys from here for the Great Expectations suites.

The shape follows Fivetran's staging column macros (one column spec per column, one list per
table) as plain frozen dataclasses: no framework, and `dataclasses.replace` gives a variant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal, get_args

# How stage_validate (dbt_project/macros/stage_validate.sql) casts and checks a landed value.
Kind = Literal["text", "upper", "date", "money", "decimal", "integer", "timestamp", "currency", "account_id"]
KINDS: tuple[str, ...] = get_args(Kind)

# Which files of the landing directory belong to a table (ingest/landing.py applies the rule;
# tests/test_contract.py checks that it agrees with each table's declared rule):
#   name_prefix      in the table's folder, a file whose name starts with the table name
#                    (the longest matching table name wins)
#   platform_folder  every .csv/.parquet file in the platform's folder ads/<platform>/
#   coverage_file    a `<pull>.coverage.csv` file beside a pull in any ads/<platform>/ folder
FileRule = Literal["name_prefix", "platform_folder", "coverage_file"]

# stage_validate's default ranking: of the rows sharing a natural key, the file sorting last wins.
DEFAULT_ORDER: tuple[str, ...] = ("_source_file desc",)


@dataclass(frozen=True)
class Column:
    """One landed column and the rules staging applies to it (one entry of stage_validate's `columns`).

    `alias` is the typed name staging exposes (stage_validate's `as`), e.g. Google's
    `segments_date` becomes `spend_date` so the three platforms read alike downstream.
    `platform` is only for `account_id` columns: SQL over the raw columns giving the platform
    whose id normalization applies (a literal such as `'google_ads'`, or a column).
    """

    name: str
    kind: Kind = "text"
    required: bool = False
    enum: tuple[str, ...] = ()
    nonneg: bool = False
    alias: str | None = None
    platform: str | None = None
    description: str = ""
    # The column may be left out of a file altogether (SPEC 6: campaign names, time zone, impressions
    # and clicks): its values are then empty. Every other column must be in the header.
    optional: bool = False
    # Other header names that mean this column in real exports (a Fivetran-synced table, a platform
    # UI report), matched like the name itself: ignoring case, spaces, underscores and punctuation.
    aliases: tuple[str, ...] = ()
    # Header names that give the value in currency units where the column holds millionths (Google
    # Ads UI "Cost" for metrics_cost_micros): the loader multiplies the exact decimal by 1,000,000.
    unit_aliases: tuple[str, ...] = ()
    # How the loader fills the column when a file has no header for it (ad-platform exports only):
    #   file_time        the file's modification time, UTC (a UI download has no extraction time)
    #   header_currency  the currency code a header carries, e.g. Meta's "Amount spent (USD)"
    when_absent: Literal["", "file_time", "header_currency"] = ""

    def __post_init__(self) -> None:
        if self.optional and self.required:
            raise ValueError(f"{self.name}: a required column cannot be optional")
        # Caught here, not as a dbt compile error or a suite that silently checks nothing.
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r} (expected one of {', '.join(KINDS)})")
        if (self.kind == "account_id") != (self.platform is not None):
            raise ValueError(f"{self.name}: `platform` is given exactly for account_id columns")
        if self.nonneg and self.kind not in ("money", "decimal", "integer"):
            raise ValueError(f"{self.name}: nonneg applies to numbers only")
        if self.unit_aliases and self.kind != "integer":
            raise ValueError(f"{self.name}: unit_aliases apply to a column in millionths (integer)")
        if self.when_absent == "header_currency" and self.kind != "currency":
            raise ValueError(f"{self.name}: header_currency fills a currency column only")

    @property
    def header_names(self) -> tuple[str, ...]:
        """Every header name accepted for the column: its landed name, its aliases, its unit aliases."""
        return (self.name, *self.aliases, *self.unit_aliases)

    @property
    def typed_name(self) -> str:
        """The column's name after staging (its alias, else its landed name)."""
        return self.alias or self.name


@dataclass(frozen=True)
class RowCheck:
    """A rule over several typed columns of one row: when `when` (SQL) is true the row is quarantined.

    `column` is the landed column the reason names; `message` reads after "<column>: ".
    """

    column: str
    when: str
    message: str


@dataclass(frozen=True)
class ExportShape:
    """One real export a platform's files may come as, for docs/landing-contract.md ("Accepted export
    shapes") and the tests that load it: what it is, an example header, and how it is read."""

    source: str  # e.g. "Fivetran: google_ads.campaign_stats joined with account_history"
    example: str  # the header line (and any report lines around it) as the export writes it
    reading: str  # how revwh reads it, or why it is refused
    refused: bool = False


# Lines of a platform report around its rows, read from the first cell of a row: Google Ads UI
# totals ("Total: Account", "Total: Campaigns") and Microsoft Advertising's copyright footer
# ("©2026 Microsoft Corporation. All rights reserved."). Skipped, counted and listed, never data.
REPORT_LINE_PATTERN = r"(?i)^\s*(total\s*:|©|\(c\)\s*\d{4}|copyright\b).*"


@dataclass(frozen=True)
class LandedTable:
    """One landed table: where its files land, its columns in order, and every rule staging applies.

    `key` (typed names) is the natural key: twice in one file quarantines every such row.
    `partition` / `order` say which rows compete for "current" and which wins (defaults: the key,
    and the file whose name sorts last). `pull_coverage`: the base model also applies
    apply_pull_coverage (an account-day a later pull covered with no rows has zero spend).
    """

    name: str
    folder: str
    description: str
    column_specs: tuple[Column, ...]
    key: tuple[str, ...]
    partition: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    row_checks: tuple[RowCheck, ...] = ()
    file_rule: FileRule = "name_prefix"
    pull_coverage: bool = False
    # Rows sharing the key within one file are parts of one record (an ad report split by device,
    # network, ad group or ad: SPEC 6), summed downstream; only rows identical in every column are
    # duplicates. Otherwise (the default) the key twice in one file quarantines every such row.
    breakdown: bool = False
    # Real exports this table also accepts (Fivetran tables, platform UI reports): their header names are
    # the columns' aliases; report lines before the header (a title, a date range) and after the rows
    # (totals, a copyright line) are skipped, counted and listed, the rows keeping the file's line numbers.
    export_shapes: tuple[ExportShape, ...] = ()
    # Header names of a report's last day (Ads Manager "Reporting ends", the Marketing API's date_stop):
    # a row whose last day is not its first covers several days, so the file is refused (one line)
    # rather than its spend put on the first day.
    day_end_headers: tuple[str, ...] = ()
    # Derived from column_specs; kept as a field so the many readers of `.columns` pay no lookup.
    columns: tuple[str, ...] = field(init=False)
    optional_columns: tuple[str, ...] = field(init=False)  # may be left out of a file (Column.optional)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(c.name for c in self.column_specs))
        object.__setattr__(self, "optional_columns", tuple(c.name for c in self.column_specs if c.optional))
        typed = [c.typed_name for c in self.column_specs]
        for what, names in (("key", self.key), ("partition", self.partition)):
            unknown = [n for n in names if n not in typed]
            if unknown:
                raise ValueError(f"{self.name}: {what} names unknown column(s) {', '.join(unknown)}")
        if len(set(typed)) != len(typed) or len(set(self.columns)) != len(self.columns):
            raise ValueError(f"{self.name}: a column name or alias appears twice")
        for rc in self.row_checks:
            if rc.column not in self.columns:
                raise ValueError(f"{self.name}: row check names unknown column {rc.column}")
        keys = [header_key(n) for c in self.column_specs for n in c.header_names]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{self.name}: two columns accept the same header name")

    @property
    def accepts_exports(self) -> bool:
        """Header aliases, report lines and filled columns apply (the ad platforms' tables)."""
        return bool(self.export_shapes)

    @property
    def source(self) -> str:
        """The dbt source name (the landing folder's last part)."""
        return self.folder.split("/")[-1] if self.folder.startswith("ads/") else self.folder

    @property
    def is_ad_platform(self) -> bool:
        """A platform's spend table (`ads/<platform>/`), as opposed to contracting, accounting, fx."""
        return self.folder.startswith("ads/")

    @property
    def base_model(self) -> str:
        """The dbt model that types, checks and ranks the raw rows (generated from this declaration)."""
        return f"base_{self.source}__{self.name}"

    @property
    def ranking_partition(self) -> tuple[str, ...]:
        """Typed columns whose rows compete for "current" (stage_validate's default: the key)."""
        return self.partition or self.key

    @property
    def ranking_order(self) -> tuple[str, ...]:
        """How competing rows are ordered, first = current (default: the file sorting last)."""
        return self.order or DEFAULT_ORDER

    def column(self, name: str) -> Column:
        """The column spec by landed or typed name."""
        for c in self.column_specs:
            if name in (c.name, c.typed_name):
                return c
        raise KeyError(f"{self.name} has no column {name}")

    def landed_name(self, typed_name: str) -> str:
        """The landed (file) name of a typed column, as a person preparing an export sees it."""
        return self.column(typed_name).name

    def with_column(self, name: str, **changes: Any) -> LandedTable:
        """A copy with one column's spec changed, e.g. `with_column("billing_email", required=True)`."""
        self.column(name)  # KeyError for a name that is not there
        specs = tuple(replace(c, **changes) if c.name == name else c for c in self.column_specs)
        return replace(self, column_specs=specs)


def header_key(name: str) -> str:
    """A header name as matched: lower case, letters and digits only (`Campaign ID` = `campaign_id`
    = `CampaignId`), so a Fivetran, API or UI spelling of one name is one name."""
    return re.sub(r"[^0-9a-z]", "", name.strip().lower())


def _spend(
    platform: str,
    description: str,
    shapes: tuple[ExportShape, ...],
    *columns: Column,
    day_end_headers: tuple[str, ...] = (),
) -> LandedTable:
    """An ad platform's spend table: the same key, ranking and coverage for all three platforms.

    One row is one campaign on one day of one pull; for an account-day the rows of the latest
    pull (extracted_at) replace all earlier ones (SPEC 1), ties going to the file sorting last.
    """
    return LandedTable(
        platform,
        f"ads/{platform}",
        description,
        columns,
        key=("account_id", "campaign_id", "spend_date"),
        partition=("account_id", "spend_date"),
        order=("extracted_at desc", "_source_file desc"),
        file_rule="platform_folder",
        pull_coverage=True,
        breakdown=True,
        export_shapes=shapes,
        day_end_headers=day_end_headers,
    )


# Column descriptions used by several tables, so they read the same everywhere.
_SPEND_DATE = "Day of the spend (account time zone, as the platform reports it)."
_ACCOUNT = "Ad account id, in any of the platform's formats."
_ACCOUNT_CURRENCY = "Currency of the ad account (ISO 4217)."
_EXTRACTED_AT = "UTC time of the pull that produced the row (the same on every row of one pull)."
_CLIENT_ID = "Client (dealer) identifier from the contracting system."
_CONTRACT_ID = "Contract identifier."
_PRODUCT_CODE = "Product identifier (e.g. SEARCH, SEO)."
_INVOICE_ID = "Invoice number from QuickBooks."
_SERVICE_MONTH = "Month billed for: the first day of the month."
_AMOUNT = "Amount, in the document currency."
_PLATFORMS = ("google_ads", "meta_ads", "microsoft_ads")
_PLATFORM_SQL = 'lower(trim("platform"))'

TABLES: tuple[LandedTable, ...] = (
    _spend(
        "google_ads",
        "Google Ads spend, one row per campaign and day of one pull, with the Google Ads API's field"
        " names. The Google Ads connector writes these files; a Fivetran-synced table or a report downloaded"
        " from the Google Ads UI loads too (see Accepted export shapes).",
        (
            ExportShape(
                "revwh's Google Ads connector, or a hand-made file (the API's field names)",
                "segments_date,customer_id,customer_currency_code,campaign_id,metrics_cost_micros,extracted_at",
                "The columns of the table above."),
            ExportShape(
                "Fivetran: `campaign_stats` with `currency_code` from `account_history` (joined on customer_id)",
                "customer_id,date,_fivetran_synced,clicks,cost_micros,device,id,impressions,currency_code",
                "`date` is the day, `id` the campaign, `_fivetran_synced` the extraction time; rows split by"
                " device or network are summed to the campaign-day; other columns are ignored and listed."),
            ExportShape(
                "Google Ads UI: a campaign report downloaded as .csv, with Day, Customer ID and Currency code",
                "Campaign report\n\"October 1, 2026 - October 31, 2026\"\n"
                "Day,Customer ID,Campaign ID,Campaign,Currency code,Cost,Impr.,Clicks\n...\nTotal: Account,...",
                "The title and date-range lines before the header and the `Total: ...` lines are skipped,"
                " counted and listed (the rows keep the file's line numbers). `Cost` is in the account"
                " currency: micros = Cost × 1,000,000 exactly. No extraction time: the file's modification"
                " time (UTC) stands for it."),
            ExportShape(
                "Google Ads UI report without Customer ID (or without Currency code), or Fivetran's"
                " `campaign_stats` alone",
                "Day,Campaign ID,Campaign,Cost,Currency code,Impr.,Clicks",
                "One line names the missing column and the header names accepted for it:"
                " add the Customer ID column to the report (Fivetran: the account's `currency_code`).",
                refused=True),
        ),
        Column("segments_date", "date", required=True, alias="spend_date", description=_SPEND_DATE,
               aliases=("date", "Day")),
        Column("customer_id", "account_id", required=True, alias="account_id", platform="'google_ads'",
               description=_ACCOUNT),
        Column("customer_currency_code", "currency", required=True, alias="currency", description=_ACCOUNT_CURRENCY,
               aliases=("currency_code",)),
        Column("customer_time_zone", alias="account_time_zone", optional=True,
               description="Time zone of the ad account.", aliases=("time_zone",)),
        Column("campaign_id", required=True, description="Campaign identifier.", aliases=("id",)),
        Column("campaign_name", optional=True, description="Campaign name.", aliases=("Campaign",)),
        Column("metrics_cost_micros", "integer", required=True, nonneg=True, alias="cost_micros",
               description="Cost in millionths of the account currency (12500000 = 12.50).",
               aliases=("cost_micros",), unit_aliases=("Cost",)),
        Column("metrics_impressions", "integer", alias="impressions", optional=True, description="Impressions.",
               aliases=("impressions", "Impr.")),
        Column("metrics_clicks", "integer", alias="clicks", optional=True, description="Clicks.",
               aliases=("clicks",)),
        Column("extracted_at", "timestamp", required=True, description=_EXTRACTED_AT,
               aliases=("_fivetran_synced",), when_absent="file_time"),
    ),
    _spend(
        "meta_ads",
        "Meta (Facebook, Instagram) ad spend, one row per campaign and day of one pull, with the Marketing"
        " API's field names. The Meta connector writes these files; a Fivetran-synced table or an Ads Manager"
        " export loads too (see Accepted export shapes).",
        (
            ExportShape(
                "revwh's Meta connector, or a hand-made file (the Marketing API's field names)",
                "date_start,account_id,account_currency,campaign_id,spend,extracted_at",
                "The columns of the table above."),
            ExportShape(
                "Fivetran: a Facebook Ads custom report at campaign level, with `currency` from `account_history`",
                "_fivetran_id,account_id,campaign_id,campaign_name,date,spend,impressions,clicks,currency,"
                "_fivetran_synced",
                "`date` is the day, `currency` the account currency, `_fivetran_synced` the extraction time."),
            ExportShape(
                "Ads Manager: a campaign report exported as .csv with the Day breakdown and Campaign ID, Account ID",
                "Reporting starts,Reporting ends,Account ID,Campaign ID,Campaign name,Amount spent (USD),"
                "Impressions,Clicks (all),Link clicks",
                "`Reporting starts` is the day (a row whose `Reporting ends` is another day covers several days:"
                " the file is refused, export with the Day breakdown); the currency in `Amount spent (USD)` is"
                " the account currency;"
                " `Clicks (all)` are the clicks (`Link clicks` is another measure: ignored and listed). No"
                " extraction time: the file's modification time (UTC) stands for it."),
            ExportShape(
                "Fivetran's `basic_ad` table alone (ad level: no campaign id, no currency)",
                "ad_id,date,account_id,impressions,inline_link_clicks,spend",
                "One line names campaign_id and account_currency: join `ad_history` for the"
                " campaign and `account_history.currency`.",
                refused=True),
        ),
        Column("date_start", "date", required=True, alias="spend_date", description=_SPEND_DATE,
               aliases=("date", "Reporting starts")),
        Column("account_id", "account_id", required=True, platform="'meta_ads'", description=_ACCOUNT),
        Column("account_currency", "currency", required=True, alias="currency", description=_ACCOUNT_CURRENCY,
               aliases=("currency",), when_absent="header_currency"),
        Column("campaign_id", required=True, description="Campaign identifier."),
        Column("campaign_name", optional=True, description="Campaign name."),
        Column("spend", "money", required=True, nonneg=True, description="Spend in the account currency.",
               aliases=("Amount spent",)),
        Column("impressions", "integer", optional=True, description="Impressions."),
        Column("clicks", "integer", optional=True, description="Clicks.", aliases=("Clicks (all)",)),
        Column("extracted_at", "timestamp", required=True, description=_EXTRACTED_AT,
               aliases=("_fivetran_synced",), when_absent="file_time"),
        day_end_headers=("date_stop", "Reporting ends"),
    ),
    _spend(
        "microsoft_ads",
        "Microsoft Advertising spend, one row per campaign and day of one pull, with the Reporting API's"
        " column names. The Microsoft connector writes these files; a Fivetran-synced table or a downloaded"
        " report loads too (see Accepted export shapes).",
        (
            ExportShape(
                "revwh's Microsoft connector, or a hand-made file (the Reporting API's column names)",
                "TimePeriod,AccountId,CurrencyCode,CampaignId,Spend,extracted_at",
                "The columns of the table above."),
            ExportShape(
                "Fivetran: `campaign_performance_daily_report`",
                "date,account_id,campaign_id,currency_code,device_os,device_type,network,clicks,impressions,"
                "spend,_fivetran_synced",
                "`date` is the day, `_fivetran_synced` the extraction time; rows split by device and network are"
                " summed to the campaign-day; the other columns are ignored and listed."),
            ExportShape(
                "Microsoft Advertising: a campaign performance report downloaded as .csv with its report header"
                " and footer",
                "\"Report Name: Campaign Performance Report\"\n\"Report Time: 10/1/2026 - 10/31/2026\"\n...\n"
                "\"TimePeriod\",\"AccountId\",\"CampaignId\",\"CampaignName\",\"CurrencyCode\",\"Spend\",...\n"
                "...\n\"©2026 Microsoft Corporation. All rights reserved. \"",
                "The report header lines before the column header and the copyright line are skipped, counted"
                " and listed (the rows keep the file's line numbers). No extraction time: the file's"
                " modification time (UTC) stands for it."),
            ExportShape(
                "a downloaded report without AccountId or CurrencyCode",
                "TimePeriod,CampaignId,CampaignName,Spend,Impressions,Clicks",
                "One line names the missing column: add AccountId and CurrencyCode to the report.",
                refused=True),
        ),
        Column("TimePeriod", "date", required=True, alias="spend_date", description=_SPEND_DATE,
               aliases=("date",)),
        Column("AccountId", "account_id", required=True, alias="account_id", platform="'microsoft_ads'",
               description=_ACCOUNT),
        Column("CurrencyCode", "currency", required=True, alias="currency", description=_ACCOUNT_CURRENCY),
        Column("CampaignId", required=True, alias="campaign_id", description="Campaign identifier."),
        Column("CampaignName", alias="campaign_name", optional=True, description="Campaign name."),
        Column("Spend", "money", required=True, nonneg=True, alias="spend",
               description="Spend in the account currency."),
        Column("Impressions", "integer", alias="impressions", optional=True, description="Impressions."),
        Column("Clicks", "integer", alias="clicks", optional=True, description="Clicks."),
        Column("extracted_at", "timestamp", required=True, description=_EXTRACTED_AT,
               aliases=("_fivetran_synced",), when_absent="file_time"),
    ),
    LandedTable(
        "clients",
        "contracting",
        "The clients (dealers), from the contracting system.",
        (
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("client_name", required=True, description="Dealer name."),
            Column("oem", description="Car maker the dealer sells (e.g. Toyota)."),
            Column("country", "upper", description="Country code (US or CA); upper-cased."),
            Column("currency", "currency", required=True, description="Currency the client is billed in."),
            Column("billing_email", description="Billing contact e-mail: personal data, kept in staging, never in a"
                   " report."),
        ),
        key=("client_id",),
    ),
    LandedTable(
        "products",
        "contracting",
        "The products sold: media products (a monthly media budget plus a management fee) and flat-fee"
        " services (SEO, website).",
        (
            Column("product_code", required=True, description=_PRODUCT_CODE),
            Column("product_name", description="Product display name."),
            Column("product_line", description="Product line (search, social, display, video, seo, website)."),
            Column("pricing_model", required=True, enum=("media", "flat"),
                   description="media (monthly budget plus management fee) or flat (fixed monthly fee)."),
        ),
        key=("product_code",),
    ),
    LandedTable(
        "oem_programs",
        "contracting",
        "OEM co-op advertising programs: the share of eligible delivered media the car maker reimburses,"
        " up to a monthly cap.",
        (
            Column("program_code", required=True, description="Co-op program identifier."),
            Column("oem", description="Car maker running the program."),
            Column("coop_share_pct", "decimal", required=True, nonneg=True,
                   description="Share reimbursed, as a fraction (0.50 = 50%)."),
            Column("monthly_cap", "money", required=True, nonneg=True,
                   description="Monthly reimbursement cap, in the client's currency."),
            Column("eligible_products",
                   description="Product codes eligible for co-op, separated by | (SEARCH|SOCIAL)."),
            Column("start_date", "date", optional=True,
                   description="First day of the program (SPEC 6, OEM compliance); empty or left out: no start."),
            Column("end_date", "date", optional=True,
                   description="Last day of the program; empty or left out: open-ended."),
            Column("claim_window_days", "integer", nonneg=True, optional=True,
                   description="Days after a month's end within which the OEM accepts its co-op claim; empty or"
                   " left out: not given."),
        ),
        key=("program_code",),
        row_checks=(RowCheck("end_date", '"end_date" < "start_date"', "expected on or after start_date"),),
    ),
    LandedTable(
        "contracts",
        "contracting",
        "One row per contract: which client buys which product, from when to when, and in which co-op"
        " program.",
        (
            Column("contract_id", required=True, description=_CONTRACT_ID),
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("product_code", required=True, description=_PRODUCT_CODE),
            Column("program_code", description="Co-op program the contract is enrolled in; empty when none."),
            Column("start_date", "date", required=True, description="First day of service."),
            Column("end_date", "date", description="Last day of service (a cancellation sets it); empty = open-ended."),
        ),
        key=("contract_id",),
        row_checks=(RowCheck("end_date", '"end_date" < "start_date"', "expected on or after start_date"),),
    ),
    LandedTable(
        "budget_schedule",
        "contracting",
        "A contract's monthly media budget (media products) or monthly fee (flat products), in force from"
        " effective_date until the contract's next row.",
        (
            Column("contract_id", required=True, description=_CONTRACT_ID),
            Column("effective_date", "date", required=True, description="Day from which the amount applies."),
            Column("monthly_amount", "money", required=True, nonneg=True,
                   description="Monthly media budget or monthly fee, in the client's currency."),
        ),
        key=("contract_id", "effective_date"),
    ),
    LandedTable(
        "rate_card",
        "contracting",
        "Management-fee tiers by monthly media budget: a tier covers budgets from min (inclusive) to max"
        " (exclusive).",
        (
            Column("product_code", required=True, description=_PRODUCT_CODE),
            Column("min_monthly_budget", "money", required=True, nonneg=True,
                   description="Tier lower bound, inclusive."),
            Column("max_monthly_budget", "money", nonneg=True,
                   description="Tier upper bound, exclusive; empty = no upper bound."),
            Column("fee_pct", "decimal", required=True, nonneg=True,
                   description="Management fee of the tier, as a fraction (0.15 = 15%)."),
        ),
        key=("product_code", "min_monthly_budget"),
    ),
    LandedTable(
        "client_discounts",
        "contracting",
        "Discounts on the management fee (not the media) per client and product.",
        (
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("product_code", required=True, description=_PRODUCT_CODE),
            Column("discount_pct", "decimal", required=True, nonneg=True,
                   description="Discount on the fee, as a fraction (0.10 = 10%)."),
            Column("effective_from", "date", description="First day the discount applies; empty = always."),
            Column("effective_to", "date",
                   description="Last day the discount applies (inclusive); empty = open-ended."),
        ),
        key=("client_id", "product_code", "effective_from"),
    ),
    LandedTable(
        "ad_accounts",
        "contracting",
        "Which contract an ad account's spend belongs to. A renewal keeps its ad account, so one account may"
        " map to several contracts; the spend of a day goes to the contract active that day.",
        (
            Column("platform", required=True, enum=_PLATFORMS, description="Ad platform of the account."),
            Column("account_id", "account_id", required=True, platform=_PLATFORM_SQL, description=_ACCOUNT),
            Column("contract_id", required=True, description=_CONTRACT_ID),
        ),
        key=("platform", "account_id", "contract_id"),
    ),
    LandedTable(
        "ledger_items",
        "contracting",
        "Optional: how QuickBooks Online item names map to revwh's products and line types, for the QuickBooks"
        " connector (docs/connectors.md). Without the file, no QuickBooks document with items can be mapped.",
        (
            Column("item_name", required=True, description="Item (product/service) name exactly as in QuickBooks."),
            Column("product_code", description=_PRODUCT_CODE + " Empty for an item of no product (an adjustment)."),
            Column("line_type", required=True,
                   enum=("media", "management_fee", "flat_fee", "adjustment", "underspend", "write_off"),
                   description="The invoice line type of the item's lines; `underspend` for an item used on"
                   " underspend credit memos (their reason); `write_off` for the bad-debt item of credit memos"
                   " that write invoices off (their applied parts land as write_offs)."),
        ),
        key=("item_name",),
    ),
    LandedTable(
        "client_events",
        "contracting",
        "Optional: events in a client's life the invoice run's review list names (SPEC 6): `ownership_change`"
        " (the dealership was sold), or any other event type, kept but not acted on.",
        (
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("event_date", "date", required=True, description="Day of the event."),
            Column("event_type", required=True,
                   description="What happened, e.g. ownership_change (the only type the invoice run reviews)."),
        ),
        key=("client_id", "event_date", "event_type"),
    ),
    LandedTable(
        "invoices",
        "accounting",
        "Invoice headers, exported from QuickBooks.",
        (
            Column("invoice_id", required=True, description=_INVOICE_ID),
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("invoice_date", "date", required=True, description="Invoice date."),
            Column("due_date", "date", required=True, description="Payment due date."),
            Column("currency", "currency", required=True, description="Currency of the invoice."),
            Column("total_amount", "money", required=True, description="Invoice total, in the invoice currency."),
        ),
        key=("invoice_id",),
        row_checks=(RowCheck("due_date", '"due_date" < "invoice_date"', "expected on or after invoice_date"),),
    ),
    LandedTable(
        "invoice_lines",
        "accounting",
        "Invoice lines, exported from QuickBooks: what each invoice bills, per contract and service month.",
        (
            Column("invoice_id", required=True, description=_INVOICE_ID),
            Column("line_no", "integer", required=True,
                   description="Line number within the invoice (QuickBooks numbers from 0)."),
            Column("contract_id", description=_CONTRACT_ID),
            Column("service_month", "date", required=True, description=_SERVICE_MONTH),
            Column("line_type", required=True, enum=("media", "management_fee", "flat_fee", "adjustment", "tax"),
                   description="What the line bills; tax is part of the invoice total and of AR, never revenue."),
            Column("amount", "money", required=True, description=_AMOUNT + " Only adjustment lines may be negative."),
        ),
        key=("invoice_id", "line_no"),
    ),
    LandedTable(
        "credit_memos",
        "accounting",
        "Credit memos, exported from QuickBooks: credits to a client, for a contract and service month when"
        " known, applied to an invoice when known.",
        (
            Column("credit_memo_id", required=True, description="Credit memo number."),
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("contract_id", description=_CONTRACT_ID + " Empty for a client-level credit."),
            Column("service_month", "date", description=_SERVICE_MONTH),
            Column("memo_date", "date", required=True, description="Credit memo date."),
            Column("amount", "money", required=True, nonneg=True, description="Size of the credit, positive."),
            Column("reason", required=True, enum=("underspend", "dispute", "billing_error", "goodwill"),
                   description="Why the credit was given."),
            Column("applied_invoice_id", description="Invoice the memo was applied to; empty = not applied."),
        ),
        key=("credit_memo_id",),
    ),
    LandedTable(
        "payments",
        "accounting",
        "Payments received, exported from QuickBooks.",
        (
            Column("payment_id", required=True, description="Payment identifier."),
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("payment_date", "date", required=True, description="Date the payment was received."),
            Column("amount", "money", required=True, nonneg=True, description=_AMOUNT),
            Column("method", enum=("card", "ach", "check", "wire"), description="How the client paid."),
            Column("reference", description="Payer reference (check number, remittance)."),
            Column("currency", "currency", optional=True,
                   description="Currency of the payment (SPEC 6); empty or left out: the client's currency."),
        ),
        key=("payment_id",),
    ),
    LandedTable(
        "payment_applications",
        "accounting",
        "How payments settle invoices: the part of one payment applied to one invoice.",
        (
            Column("payment_id", required=True, description="Payment identifier."),
            Column("invoice_id", required=True, description=_INVOICE_ID),
            Column("amount_applied", "money", required=True, nonneg=True,
                   description="Part of the payment applied to the invoice."),
        ),
        key=("payment_id", "invoice_id"),
    ),
    LandedTable(
        "write_offs",
        "accounting",
        "Parts of invoices written off: a hand export from QuickBooks, or written by the QuickBooks connector"
        " (`write_offs_qbo.csv`: the parts of bad-debt credit memos applied to invoices, docs/connectors.md).",
        (
            Column("invoice_id", required=True, description=_INVOICE_ID),
            Column("write_off_date", "date", required=True, description="Date of the write-off."),
            Column("amount", "money", required=True, nonneg=True, description=_AMOUNT),
            Column("reason", description="Free-text reason."),
        ),
        key=("invoice_id", "write_off_date"),
    ),
    LandedTable(
        "qbo_balances",
        "accounting",
        "QuickBooks Online's own open balances as of a pull, written by the QuickBooks connector: invoice"
        " Balance, credit memo RemainingCredit, payment UnappliedAmt, customer Balance, to compare with revwh's.",
        (
            Column("doc_type", required=True, enum=("invoice", "credit_memo", "payment", "customer"),
                   description="Kind of QuickBooks document the balance is of."),
            Column("doc_id", required=True,
                   description="The document's id as landed (invoice_id, credit_memo_id, payment_id; the QuickBooks"
                   " Customer Id for a customer)."),
            Column("client_id", required=True, description=_CLIENT_ID),
            Column("currency", "currency", required=True, description="Currency of the balance."),
            Column("balance", "money", required=True,
                   description="QuickBooks' open balance (a customer's may be negative: a credit)."),
            Column("pulled_at", "timestamp", required=True, description="UTC time of the pull that read it."),
            Column("display_name", optional=True,
                   description="The customer's DisplayName in QuickBooks (customer rows; empty on the others): the"
                   " name the underspend credit run's Customer column and `revwh post --credits` use."),
        ),
        key=("doc_type", "doc_id"),
    ),
    LandedTable(
        "fx_rates",
        "fx",
        "Exchange rates to US dollars, any number of currencies. USD is 1 whether listed or not; a day"
        " without a rate uses the latest earlier rate.",
        (
            Column("rate_date", "date", required=True, description="Date of the rate."),
            Column("currency", "currency", required=True, description="Currency the rate is for."),
            Column("usd_per_unit", "decimal", required=True, description="US dollars per one unit of the currency."),
        ),
        key=("rate_date", "currency"),
        row_checks=(RowCheck("usd_per_unit", '"usd_per_unit" <= 0', "expected a positive rate"),),
    ),
    # Pull coverage (SPEC 5): beside a pull file in ads/<platform>/, `<pull>.coverage.csv` says
    # which accounts and days the pull covered; a covered account-day with no rows has zero spend.
    LandedTable(
        "ad_coverage",
        "ads",
        "Pull coverage: which accounts and days one ad pull read in full, one row per account. For an"
        " account and a day inside a row's window, spend rows extracted before the row's extracted_at are"
        " replaced, so a covered account-day with no rows in the pull has zero spend. An account that"
        " failed in the pull is not listed, so its earlier rows stay.",
        (
            Column("platform", required=True, enum=_PLATFORMS, description="Ad platform of the pull."),
            Column("account_id", "account_id", required=True, platform=_PLATFORM_SQL,
                   description="An account the pull read in full."),
            Column("start_date", "date", required=True, description="First day of the pull's window."),
            Column("end_date", "date", required=True, description="Last day of the pull's window."),
            Column("extracted_at", "timestamp", required=True,
                   description="UTC time of the pull, exactly the extracted_at of its rows."),
        ),
        key=("platform", "account_id", "start_date", "extracted_at"),
        row_checks=(RowCheck("end_date", '"end_date" < "start_date"', "expected on or after start_date"),),
        file_rule="coverage_file",
    ),
)

# ISO 4217 currency codes a landed currency column may hold (SPEC 5: any other code, such as
# CDN for Canadian dollars, is a row exception). Precious metals and test codes are left out.
# dbt_project/macros/iso_currencies.sql holds the same list (tests/test_contract.py checks it).
# Numbers as spreadsheets write them (SPEC 6): thousands separators (28,298.00), a leading currency
# symbol ($12,096.00, CA$, C$, US$), an accounting negative in parentheses ((100.00)) and a trailing
# dot (144.) are the same number. One pattern of the accepted forms per numeric kind, for staging
# (generated into dbt_project/macros/number_forms.sql) and the expectation suites alike. Bracket
# classes instead of backslash escapes: the same text works in DuckDB (RE2), PostgreSQL, Spark and
# Python. The digit counts bound what the typed column holds (money DECIMAL(18,2): 15 + 2 digits).
_NUMBER_DIGITS = {
    "money": "(?:[0-9]{1,3}(?:,[0-9]{3}){1,4}|[0-9]{1,15})(?:[.][0-9]{0,2})?",
    "decimal": "(?:[0-9]{1,3}(?:,[0-9]{3}){1,2}|[0-9]{1,9})(?:[.][0-9]{0,9})?",
    "integer": "(?:[0-9]{1,3}(?:,[0-9]{3}){1,5}|[0-9]{1,18})(?:[.]0*)?",
    # any of the three (the expectation suites' number view, which compares numbers with bounds)
    "number": "(?:[0-9]{1,3}(?:,[0-9]{3}){1,5}|[0-9]{1,18})(?:[.][0-9]{0,9})?",
}
_CURRENCY_SYMBOL = "(?:(?:US|CA|C)?[$] ?)"


def parse_number(text: str | None, kind: str = "money") -> Decimal | None:
    """The number a landed text shows, as staging reads it (macros/spreadsheet_number.sql), else None.

    For reports on rows staging did not type (the run summary's money of quarantined rows)."""
    if text is None or not re.fullmatch(number_pattern(kind), text.strip()):
        return None
    value = text.strip()
    digits = re.sub(r"[^0-9.]", "", value).rstrip(".")
    return Decimal(("-" if value.startswith("(") or "-" in value else "") + digits)


def number_pattern(kind: str) -> str:
    """The accepted forms of a `money`, `decimal` or `integer` value (trimmed text), unanchored.

    Its value: a minus sign when the text has `-` or starts with `(`, then the digits and the dot
    (a trailing dot dropped)."""
    digits, sym = _NUMBER_DIGITS[kind], _CURRENCY_SYMBOL
    return f"-?{sym}?{digits}|{sym}-{digits}|[(]{sym}?{digits}[)]"


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


def replace_table(tables: tuple[LandedTable, ...], table: LandedTable) -> tuple[LandedTable, ...]:
    """`tables` with the table of the same name swapped for `table`: a variant of the declaration."""
    if table.name not in {t.name for t in tables}:
        raise KeyError(table.name)
    return tuple(table if t.name == table.name else t for t in tables)
