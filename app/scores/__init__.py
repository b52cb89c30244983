"""Scores on the criteria, for learning (issue 25): the caseworker's self-score and
reflection first, the supervisors' scores, blind to each other until both have published,
and their agreement for a calibration meeting. Seen by the caseworker and the supervisors
the recording is shared with; a leader sees aggregates only (app.scores.figures)."""
