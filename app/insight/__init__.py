"""Conversation insight: who speaks, how the adult's questions are asked, and the
conversation's figures, as a reflection aid a supervisor can correct (never a grade)."""
