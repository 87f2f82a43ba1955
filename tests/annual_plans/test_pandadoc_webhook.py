"""POST /webhooks/pandadoc: signed, stored first, one row per completed document, loaded by a job."""
from app.jobs import job_queue
from app.models import AnnualPlan, Job, WebhookEvent
from tests.annual_plans.helpers import as_body, completion, deliver, sample_webhook


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_completed_contract_creates_a_received_row_and_queues_its_load(client, db):
    response = deliver(client, sample_webhook("acme"))
    assert response.status_code == 200
    plan = db.session.scalar(db.select(AnnualPlan))
    assert (plan.document_id, plan.stage) == ("AcmeOrdrFrm2027v1xQ7Lp", "received")
    assert response.get_json()["created_plan_ids"] == [plan.id]
    job = db.session.scalar(db.select(Job))
    assert (job.kind, job.arguments, job.status) == ("annual_plans.load", {"plan_id": plan.id}, "queued")
    event = db.session.scalar(db.select(WebhookEvent))
    assert (event.source, event.status, event.verified) == ("pandadoc", "processed", True)
    job_queue.drain()
    db.session.refresh(plan)
    assert plan.stage == "loaded" and plan.company == "Acme Corp"


def test_bad_signature_is_401_and_stores_nothing(client, db, nothing_written):
    with nothing_written():
        response = deliver(client, sample_webhook("acme"), key="not-the-key")
    assert response.status_code == 401
    assert (_count(db, WebhookEvent), _count(db, AnnualPlan), _count(db, Job)) == (0, 0, 0)


def test_missing_signature_is_401_and_stores_nothing(client, db, nothing_written):
    with nothing_written():
        response = deliver(client, sample_webhook("acme"), sign=False)
    assert response.status_code == 401
    assert (_count(db, WebhookEvent), _count(db, AnnualPlan)) == (0, 0)


def test_a_replayed_delivery_is_200_and_changes_nothing(client, db):
    body = sample_webhook("acme")
    assert deliver(client, body, event_id="evt-1").status_code == 200
    replay = deliver(client, body, event_id="evt-1")
    assert replay.status_code == 200 and replay.get_json()["duplicate"] is True
    assert (_count(db, WebhookEvent), _count(db, AnnualPlan), _count(db, Job)) == (1, 1, 1)


def test_a_replay_without_an_event_id_is_recognised_by_its_body(client, db):
    body = sample_webhook("globex")
    deliver(client, body, event_id=None)
    assert deliver(client, body, event_id=None).get_json()["duplicate"] is True
    assert _count(db, AnnualPlan) == 1


def test_a_second_notification_for_the_same_document_makes_no_new_row(client, db):
    deliver(client, as_body([completion("DocA")]))
    response = deliver(client, as_body([completion("DocA")]))
    assert response.status_code == 200 and response.get_json()["existing_documents"] == ["DocA"]
    assert _count(db, AnnualPlan) == 1 and _count(db, Job) == 1


def test_an_array_with_several_notifications(client, db):
    body = as_body([completion("DocA", "A"), completion("DocB", "B"),
                    completion("DocC", event="recipient_completed"), completion("DocA", "A again")])
    response = deliver(client, body)
    assert response.status_code == 200
    assert response.get_json()["ignored"] == 1
    assert sorted(db.session.scalars(db.select(AnnualPlan.document_id))) == ["DocA", "DocB"]


def test_non_completion_events_are_ignored_but_stored(client, db):
    response = deliver(client, as_body([completion("DocX", status="document.sent"),
                                        completion("DocY", event="recipient_completed")]))
    assert response.status_code == 200
    assert _count(db, AnnualPlan) == 0
    assert db.session.scalar(db.select(WebhookEvent.status)) == "ignored"


def test_a_body_that_is_not_an_array_is_400_and_stored_as_failed(client, db):
    for body in (b'{"event": "document_state_changed"}', b"not json at all", b'[1, 2]'):
        response = deliver(client, body)
        assert response.status_code == 400, body
        assert "error" in response.get_json()
    assert _count(db, AnnualPlan) == 0
    failed = db.session.scalars(db.select(WebhookEvent)).all()
    assert len(failed) == 3 and {e.status for e in failed} == {"failed"}
    assert all(e.error for e in failed)
