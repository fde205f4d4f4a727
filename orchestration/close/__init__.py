"""Month-end close: close, approve, reopen, and the close's journal entries."""
