"""Billing out of the warehouse: the invoice run and posting to QuickBooks Online."""
