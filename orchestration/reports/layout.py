"""What the reports share about their look: the money number format, and the AR aging columns
(the workbook's AR aging sheet and the client statements' aging buckets show the same ones).

Its own module so the workbook can call the other report writers without them importing it back."""

from __future__ import annotations

MONEY_FORMAT = "#,##0.00"

# ar_aging_summary's columns in the QuickBooks layout, and their headings
AR = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90", "total", "unapplied_payments",
      "unapplied_credits", "net_balance")
AR_HEADERS = ("Current", "1 - 30", "31 - 60", "61 - 90", "91 and over", "Total", "Unapplied payments",
              "Unapplied credits", "Net balance")
