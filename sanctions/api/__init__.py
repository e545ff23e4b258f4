"""The credit records API (version 1): reads through a FilterSet, writes through the record services."""
