"""Running Ringback for a team: is it ready (:mod:`.health`), and how is the work going
(:mod:`.figures`, read from the database so that every process and machine agrees)."""
