"""Outbound webhooks: a CRM told, in a signed POST, when a voicemail is processed, a call
is reviewed or an attempt is returned (issue 16 §3). ``service.py`` keeps the endpoints
and queues deliveries; ``sender.py`` sends them in the background, with retries."""
