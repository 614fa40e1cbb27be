"""Accounts: the people who sign in to the web app, their sessions and API tokens, and the
audit trail of sign-ins. Knows nothing of the web layer (``ringback.web`` uses it)."""
