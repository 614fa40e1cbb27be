"""Voicemail: from a recording to the facts a salesperson needs."""
