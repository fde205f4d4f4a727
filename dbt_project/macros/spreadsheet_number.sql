{#
  Numbers as spreadsheets write them (SPEC 6, "Amounts as spreadsheets write them").

  A landed amount may carry thousands separators (28,298.00), a leading currency symbol
  ($12,096.00, CA$, C$, US$), an accounting negative in parentheses ((100.00)) or a trailing dot
  (144.): it is the same number. number_accept_pattern(kind) (macros/number_forms.sql, generated
  from ingest/contract.py's number_pattern, which the expectation suites use too); number_text
  turns an accepted form into plain decimal text ('-1234.56'), null otherwise; number_problem
  names what is wrong with a form that is not accepted, so the quarantine reason says it
  ("a comma as the decimal point ... is ambiguous", "letters in an amount") instead of a generic
  "expected an amount".

  Bracket classes ([$], [.], [(]) instead of backslash escapes: the same pattern text works in
  DuckDB (RE2), PostgreSQL and Spark (Java) and in Python's re.
#}
{#- `v`: trimmed text (null when empty). Plain decimal text of an accepted form, else null. -#}
{% macro number_text(v, kind) -%}
case when {{ rx_full(v, number_accept_pattern(kind)) }}
     then case when {{ v }} like '(%' or {{ v }} like '%-%' then '-' else '' end
          || {{ rx_replace(rx_replace(v, '[^0-9.]', '', 'g'), '[.]$', '', 'g') }}
end
{%- endmacro %}

{#- What is wrong with `v` (trimmed text, not accepted by number_accept_pattern(kind)), in words. -#}
{% macro number_problem(v, kind, label) -%}
case
    when {{ rx_search(v, '[0-9],[0-9]{1,2}$') }} or {{ rx_search(v, '[0-9][.][0-9]{3}[.,]') }}
        then 'a comma as the decimal point (1.234,56) is ambiguous: export with a dot as the decimal point'
    when {{ rx_search(v, '[$].*[$]') }} then 'two currency symbols; export the amount with one or none'
    when {{ rx_search(rx_replace(v, '(US|CA|C)[$]', '', 'g'), '[A-Za-z]') }} then 'letters in an amount; export the number alone'
    else 'expected {{ label }}'
end
{%- endmacro %}
