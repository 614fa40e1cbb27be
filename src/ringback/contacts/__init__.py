"""Contacts and their back story: who they are, what they want, what happened."""
