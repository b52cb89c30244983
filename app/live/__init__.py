"""Watching a session together: the live channel, its rooms and the presenter's state."""
