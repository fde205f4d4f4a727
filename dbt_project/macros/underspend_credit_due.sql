{#
  Underspend credit due for a closed media month (SPEC 5), capped by what was billed:
    credit_due = min(underspend, max(0, billed_media - delivered_media))
  where billed_media = media invoice lines less the media share of billing_error / dispute /
  goodwill memos. A memo carries no line type, so it is shared between the media and the other
  lines of its contract and service month in proportion to them (a full reversal of an invoice
  of media 3000 + fee 300 takes 3000 off media, whatever other invoices the month has), rounded
  to cents once and never more than the media billed. Arguments are SQL expressions.
#}
{% macro memos_on_media(media, non_media, memos) -%}
(case
    when ({{ media }}) > 0 and ({{ media }}) + ({{ non_media }}) > 0
        then least({{ media }}, {{ div_round('(' ~ memos ~ ') * (' ~ media ~ ')', '(' ~ media ~ ') + (' ~ non_media ~ ')', 2) }})
    else cast(0 as decimal(18,2))
end)
{%- endmacro %}

{% macro underspend_credit_due(underspend, media, non_media, memos, delivered) -%}
least({{ underspend }}, greatest(0, {{ media }} - {{ memos_on_media(media, non_media, memos) }} - {{ delivered }}))
{%- endmacro %}
