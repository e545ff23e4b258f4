"""The COPY text an import writes: record keys made in bulk are the UUIDs ``uuid`` would make."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from sanctions.records.importing.copying import keys_from, random_keys


@given(st.integers(min_value=0, max_value=40).flatmap(lambda n: st.binary(min_size=16 * n, max_size=16 * n)))
def test_keys_from_bytes_are_the_version_4_uuids_of_those_bytes(raw):
    expected = [str(uuid.UUID(bytes=raw[at : at + 16], version=4)) for at in range(0, len(raw), 16)]
    assert keys_from(raw) == expected


def test_random_keys_are_distinct_version_4_uuids():
    keys = random_keys(5000)
    assert len(set(keys)) == 5000
    for key in keys:
        parsed = uuid.UUID(key)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == key
