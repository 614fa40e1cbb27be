"""Your phone line: provider webhooks (Twilio), greetings, personal and prospect lines."""
