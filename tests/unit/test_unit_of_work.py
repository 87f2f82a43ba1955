"""Mid-work commits only for a named reason."""
import pytest

from app.unit_of_work import CHECKPOINTS, checkpoint


class _Session:
    def __init__(self):
        self.commits = 0

    def commit(self):
        self.commits += 1


def test_a_named_checkpoint_commits():
    session = _Session()
    checkpoint(session, "stripe_write")
    assert session.commits == 1


def test_an_unnamed_reason_is_refused_before_anything_is_committed():
    session = _Session()
    with pytest.raises(KeyError):
        checkpoint(session, "because I felt like it")
    assert session.commits == 0


def test_every_checkpoint_says_why_and_where():
    assert all(len(why) > 40 and "(" in why for why in CHECKPOINTS.values())
