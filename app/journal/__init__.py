"""The deletion journal (issue 26): what was deleted, by id, so that a restore from a backup
made before never brings it back. Appended outside the data folder, where the operator says
(`SPARRING_DELETION_JOURNAL`), or beside the backups (`videosparring backup` notes its
destination); ids and reasons only, never a name or a title."""
