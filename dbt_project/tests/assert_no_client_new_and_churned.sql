-- Product counts never exceed their population, and new clients are a subset of active ones.
select * from {{ ref('product_client_counts') }}
where new_clients > active_clients or active_clients < 0 or churned_clients < 0
