"""The router's choices for one request (registry/db_router.py); the servers themselves are in
test_streaming_replica.py, which has one replica: taking replicas in turn is checked here."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connections

from registry import db_router
from registry.db_router import PRIMARY, ReplicaRouter, Route


@pytest.fixture
def two_replicas(monkeypatch):
    """Two replicas, whose answering is the test's to say."""
    answering = {"replica_1": True, "replica_2": True}
    monkeypatch.setattr(db_router, "replica_aliases", lambda: ("replica_1", "replica_2"))
    monkeypatch.setattr(db_router, "usable", lambda alias: answering[alias])
    return answering


def reads_of(route: Route) -> str:
    token = db_router.enter(route)
    try:
        return ReplicaRouter().db_for_read(None)
    finally:
        db_router.leave(token)


def test_requests_take_the_replicas_in_turn_skipping_one_that_does_not_answer(two_replicas):
    chosen = [reads_of(Route(replica_allowed=True)) for _ in range(4)]
    assert sorted(chosen) == ["replica_1", "replica_1", "replica_2", "replica_2"]
    assert chosen[0] != chosen[1]
    two_replicas["replica_1"] = False
    assert {reads_of(Route(replica_allowed=True)) for _ in range(4)} == {"replica_2"}
    two_replicas["replica_2"] = False
    assert reads_of(Route(replica_allowed=True)) == PRIMARY


def test_one_request_reads_from_one_replica_until_it_writes(two_replicas):
    router, route = ReplicaRouter(), Route(replica_allowed=True)
    token = db_router.enter(route)
    try:
        first = router.db_for_read(None)
        assert first.startswith("replica_") and {router.db_for_read(None) for _ in range(5)} == {first}
        assert router.db_for_write(None) == PRIMARY and route.wrote
        assert router.db_for_read(None) == PRIMARY  # read-your-writes within the request
    finally:
        db_router.leave(token)
    assert router.db_for_read(None) == PRIMARY  # outside a request


def test_reads_inside_a_transaction_on_the_primary_stay_there(two_replicas, monkeypatch):
    monkeypatch.setattr(connections[PRIMARY], "in_atomic_block", True)
    assert reads_of(Route(replica_allowed=True)) == PRIMARY
    assert reads_of(Route()) == PRIMARY  # not a public read


def test_objects_read_from_a_replica_may_relate_to_the_primarys(two_replicas):
    def obj(db):
        return SimpleNamespace(_state=SimpleNamespace(db=db))

    router = ReplicaRouter()
    assert router.allow_relation(obj("replica_2"), obj(PRIMARY)) is True
    assert router.allow_relation(obj("elsewhere"), obj(PRIMARY)) is None
