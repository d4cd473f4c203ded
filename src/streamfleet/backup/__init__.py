"""Backups: a consistent, portable snapshot of the database and its restore into any engine.

snapshot.py   read every table in one repeatable-read transaction, write the files
restore.py    verify a backup, then write it into an empty database of any engine
manifest.py   the manifest: versions, row counts and the sha256 of every file
rows.py       one row <-> one JSON object (times as ISO UTC, JSON columns as JSON)
sealing.py    optional encryption of every file with the backup key
store.py      where a backup lives (a directory, or ``s3://bucket/prefix``)
destinations.py  where scheduled backups go (backup_dir or the bucket), listed and pruned
exports.py    the human-readable YAML beside the tables (channels, targets, settings)
errors.py     what goes wrong, each naming the file
"""
