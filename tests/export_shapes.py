"""Ad-platform exports in the shapes nobody on the project wrote: Fivetran's synced tables and the
platforms' own UI downloads (docs/landing-contract.md, "Accepted export shapes"). Shared by the
loader-level tests (tests/test_export_shapes.py) and the published-figures test of the spreadsheet
run (tests/test_spreadsheet_exports.py). Account ids are mapped to no contract in either landing,
so each file's spend shows apart in `fct_ad_spend_daily` (as unmapped spend).

The Fivetran headers are those of Fivetran's dbt source packages' test seeds (google_ads
campaign_stats with account_history's currency_code; a Facebook Ads custom report with
account_history's currency; microsoft_ads campaign_performance_daily_report). The UI files are laid
out as the platforms download them: Google Ads' title and date-range lines and "Total:" rows,
Ads Manager's byte-order mark and "Amount spent (USD)", Microsoft Advertising's report header and
copyright footer (CRLF line ends, a byte-order mark, every value quoted).
"""

from __future__ import annotations

# file -> text; the expected campaign-day spend is worked out next to each.
EXPORTS: dict[str, str] = {
    # Two rows of one campaign-day split by device: 36150000 + 24570000 micros = 60.72 USD.
    "ads/google_ads/fivetran_campaign_stats.csv": (
        "_fivetran_id,customer_id,date,_fivetran_synced,ad_network_type,clicks,cost_micros,device,id,impressions,"
        "currency_code\n"
        "H6V7GP,2121450128,2026-10-13,2026-10-14 06:10:11,SEARCH,49,36150000,MOBILE,9935249409,166,USD\n"
        "zZLU3F,2121450128,2026-10-13,2026-10-14 06:10:11,SEARCH,35,24570000,DESKTOP,9935249409,170,USD\n"
    ),
    # Lines 1-2: title and date range; header line 3; rows lines 4, 5; line 6 the account total.
    # Cost in USD: "1,234.56" -> 1234560000 micros = 1234.56; 0.07 -> 70000 micros = 0.07.
    "ads/google_ads/Campaign report.csv": (
        "Campaign report\n"
        '"October 13, 2026 - October 13, 2026"\n'
        "Day,Customer ID,Campaign ID,Campaign,Currency code,Cost,Impr.,Clicks\n"
        '2026-10-13,212-145-0129,771,Brand,USD,"1,234.56","5,420",245\n'
        "2026-10-13,212-145-0129,772,Generic,USD,0.07,12,1\n"
        'Total: Account,--,--,--,USD,"1,234.63","5,432",246\n'
    ),
    # One row per campaign-day: 76.53 and 144.30 (Meta writes 144.3).
    "ads/meta_ads/fivetran_campaign_report.csv": (
        "_fivetran_id,account_id,campaign_id,campaign_name,date,spend,impressions,clicks,currency,_fivetran_synced\n"
        "2jmj7l,1700252260223815,6215293456071,Leads,2026-10-13,76.53,4233,10,USD,2026-10-14 06:40:42.369000\n"
        "2jmj7m,1700252260223815,6215293456072,Service,2026-10-13,144.3,10701,27,USD,2026-10-14 06:40:42.369000\n"
    ),
    # Byte-order mark; the currency is in the spend header. 1,050.25 and 49.75.
    "ads/meta_ads/Dealer-Campaigns-Oct-13-2026.csv": (
        "\ufeffReporting starts,Reporting ends,Account ID,Campaign ID,Campaign name,Amount spent (USD),Impressions,"
        "Clicks (all),Link clicks\n"
        '2026-10-13,2026-10-13,5005001,120210000000001,Used Inventory,"1,050.25",80000,900,450\n'
        "2026-10-13,2026-10-13,5005001,120210000000002,Service,49.75,2000,20,10\n"
    ),
    # Split by device and network: 12.34 + 0.66 = 13.00.
    "ads/microsoft_ads/fivetran_campaign_performance_daily_report.csv": (
        "date,account_id,campaign_id,currency_code,device_os,device_type,network,ad_distribution,clicks,impressions,"
        "spend,_fivetran_synced\n"
        "2026-10-13,150175881,359751135,USD,Windows,Computer,Bing and Yahoo! search,Search,3,40,12.34,"
        "2026-10-14 07:00:00\n"
        "2026-10-13,150175881,359751135,USD,iOS,Smartphone,Syndicated search partners,Search,1,9,0.66,"
        "2026-10-14 07:00:00\n"
    ),
    # Lines 1-9 the report header, line 10 empty, header line 11, rows lines 12 and 13, line 14 the
    # copyright footer. 1,000.50 and 99.49.
    "ads/microsoft_ads/Campaign_Performance_Report.csv": (
        '\ufeff"Report Name: Campaign Performance Report"\r\n'
        '"Report Time: 10/13/2026"\r\n'
        '"Time Zone: (GMT-05:00) Eastern Time (US & Canada)"\r\n'
        '"Last Completed Available Day: 10/14/2026 2:00:00 AM (GMT-08:00) Pacific Time (US & Canada)"\r\n'
        '"Last Completed Available Hour: 10/14/2026 1:00:00 AM (GMT-08:00) Pacific Time (US & Canada)"\r\n'
        '"Report Aggregation: Daily"\r\n'
        '"Report Filter: "\r\n'
        '"Potential Incomplete Data: false"\r\n'
        '"Rows: 2"\r\n'
        "\r\n"
        '"TimePeriod","AccountId","CampaignId","CampaignName","CurrencyCode","Spend","Impressions","Clicks"\r\n'
        '"2026-10-13","150175882","359751136","Brand","USD","1,000.50","100","7"\r\n'
        '"2026-10-13","150175882","359751137","Generic","USD","99.49","10","1"\r\n'
        '"©2026 Microsoft Corporation. All rights reserved. "\r\n'
    ),
}

# (platform, account as landed, campaign) -> spend of 2026-10-13, in USD, per the comments above.
SPEND = {
    ("google_ads", "2121450128", "9935249409"): "60.72",
    ("google_ads", "212-145-0129", "771"): "1234.56",
    ("google_ads", "212-145-0129", "772"): "0.07",
    ("meta_ads", "1700252260223815", "6215293456071"): "76.53",
    ("meta_ads", "1700252260223815", "6215293456072"): "144.30",
    ("meta_ads", "5005001", "120210000000001"): "1050.25",
    ("meta_ads", "5005001", "120210000000002"): "49.75",
    ("microsoft_ads", "150175881", "359751135"): "13.00",
    ("microsoft_ads", "150175882", "359751136"): "1000.50",
    ("microsoft_ads", "150175882", "359751137"): "99.49",
}
