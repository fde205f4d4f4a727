create schema if not exists raw;
create table if not exists raw._files (
 source_file text primary key, table_name text, content_hash text not null, loaded_at timestamp not null,
 row_count bigint not null, status text not null, error text);
create table if not exists raw.google_ads ("segments_date" text, "customer_id" text, "customer_currency_code" text, "customer_time_zone" text, "campaign_id" text, "campaign_name" text, "metrics_cost_micros" text, "metrics_impressions" text, "metrics_clicks" text, "extracted_at" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.meta_ads ("date_start" text, "account_id" text, "account_currency" text, "campaign_id" text, "campaign_name" text, "spend" text, "impressions" text, "clicks" text, "extracted_at" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.microsoft_ads ("TimePeriod" text, "AccountId" text, "CurrencyCode" text, "CampaignId" text, "CampaignName" text, "Spend" text, "Impressions" text, "Clicks" text, "extracted_at" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.clients ("client_id" text, "client_name" text, "oem" text, "country" text, "currency" text, "billing_email" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.products ("product_code" text, "product_name" text, "product_line" text, "pricing_model" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.oem_programs ("program_code" text, "oem" text, "coop_share_pct" text, "monthly_cap" text, "eligible_products" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.contracts ("contract_id" text, "client_id" text, "product_code" text, "program_code" text, "start_date" text, "end_date" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.budget_schedule ("contract_id" text, "effective_date" text, "monthly_amount" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.rate_card ("product_code" text, "min_monthly_budget" text, "max_monthly_budget" text, "fee_pct" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.client_discounts ("client_id" text, "product_code" text, "discount_pct" text, "effective_from" text, "effective_to" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.ad_accounts ("platform" text, "account_id" text, "contract_id" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.invoices ("invoice_id" text, "client_id" text, "invoice_date" text, "due_date" text, "currency" text, "total_amount" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.invoice_lines ("invoice_id" text, "line_no" text, "contract_id" text, "service_month" text, "line_type" text, "amount" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.credit_memos ("credit_memo_id" text, "client_id" text, "contract_id" text, "service_month" text, "memo_date" text, "amount" text, "reason" text, "applied_invoice_id" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.payments ("payment_id" text, "client_id" text, "payment_date" text, "amount" text, "method" text, "reference" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.payment_applications ("payment_id" text, "invoice_id" text, "amount_applied" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.write_offs ("invoice_id" text, "write_off_date" text, "amount" text, "reason" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.fx_rates ("rate_date" text, "currency" text, "usd_per_unit" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create table if not exists raw.ad_coverage ("platform" text, "account_id" text, "start_date" text, "end_date" text, "extracted_at" text, _source_file text not null, _row_number integer not null, _loaded_at timestamp not null);
create schema if not exists closed;
create table if not exists closed.close_log (
        close_id integer not null, month date not null, status text not null,
        closed_at timestamp not null, closed_by text, close_run_id text, warehouse_as_of date,
        figures bigint not null, reopened_at timestamp, reopened_by text, reopen_reason text);
create table if not exists closed.figures (
        close_id integer not null, month date not null, mart text not null, figure text not null,
        figure_key text not null, client_id text, contract_id text, invoice_id text,
        program_code text, currency text, value numeric(18,2));
create table if not exists raw._published_run (run_id text, as_of date, published_at timestamp);
