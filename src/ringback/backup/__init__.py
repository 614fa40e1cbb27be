"""``ringback backup FILE`` / ``ringback restore FILE``: the database and every stored
recording, greeting and report in one archive (see :mod:`ringback.backup.service`)."""
