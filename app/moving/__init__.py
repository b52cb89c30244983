"""Moving an embedded installation (SQLite and the data folder's media) to PostgreSQL and
an S3-compatible bucket: `videosparring move-installation`.

The objects go first, each uploaded and read back; then the target database is migrated and,
in one transaction, gets every table's rows and the checks (row counts, the audit chain).
A move that fails leaves the target database empty (its migrations undone), so it can
simply be run again; objects already in the bucket are overwritten.
"""
