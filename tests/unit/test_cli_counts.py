"""The start-up line counts roles in English: "1 adjudicator", "4 storage shards"."""

from borealis.cli import _count


def test_one_is_singular_and_others_plural():
    assert _count(1, "adjudicator") == "1 adjudicator"
    assert _count(1, "storage shard") == "1 storage shard"
    assert _count(4, "storage shard") == "4 storage shards"
    assert _count(0, "adjudicator") == "0 adjudicators"
