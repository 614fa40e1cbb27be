"""Workers that run Ringback's background jobs on Celery (``ringback worker``)."""
