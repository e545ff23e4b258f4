"""Platform-to-platform sync: follow partner platforms' change feeds and keep their records here as
read-only copies with their provenance (docs/partner-sync.md)."""
