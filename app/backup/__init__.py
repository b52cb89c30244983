"""Backup and restore of a whole installation (issue 26): the database and every media
object together, encrypted with a key kept apart from the backup, with a manifest of every
object's SHA-256; a restore checks every byte before it writes one, and replays the deletion
journal so that nothing deleted after the backup comes back."""
