"""Call prep: the brief to read before you dial a contact.

``service.py`` builds the brief (``build_brief``) from a contact's profile, drawing on the
coach (the voicemail to leave) and the question bank (questions worth asking); ``cli.py``
is ``ringback prep``. A domain of its own so that ``contacts`` stays below ``coach`` and
``questions`` and never imports them.
"""
