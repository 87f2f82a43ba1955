"""Load from contract: read the document, fill the row, never overwrite a person's edit."""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from sqlalchemy import delete, insert

from app.billing.contract_mapping import ContractWarning, MappedContract, map_contract
from app.billing.plan_fields import display, field_names, value_from_json, value_to_json
from app.billing.plan_stages import EDITABLE_STAGES, readiness_blockers, stage_after_edit
from app.gateways.contracts import ContractSourceError
from app.models import AnnualPlan, FieldProvenance, PlanWarning
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.organisations import held_elsewhere
from app.services.plan_values import current_values, get_plan, get_value, set_value, touch
from app.timeutil import utcnow


@dataclass(frozen=True)
class Conflict:
    """A field a person edited whose contract value differs: shown, applied only if ticked."""

    field: str
    current: str
    contract: str


@dataclass
class LoadResult:
    plan: AnnualPlan
    applied: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    error: str = ""


def load_plan(session, actor: Actor, plan_id: int, source, mapping, own_domains: list[str]) -> LoadResult:
    plan = get_plan(session, plan_id)
    if plan.stage not in EDITABLE_STAGES:
        raise Invalid(f"row {plan.id} is {plan.stage}: its Stripe objects exist, so it is not re-loaded")
    try:
        details = source.fetch_details(plan.document_id)
    except ContractSourceError as exc:
        plan.load_error = str(exc)
        touch(plan)
        record_audit(session, actor, "annual_plan.load_failed", "annual_plan", plan.id, note=str(exc))
        return LoadResult(plan, error=str(exc))
    mapped = _with_owner_warnings(session, plan, map_contract(details, mapping, own_domains))
    with session.no_autoflush:  # one flush at the end instead of one per collection touched
        return _apply_load(session, actor, plan, mapped, details.get("name") or plan.name)


def _apply_load(session, actor, plan, mapped: MappedContract, name: str) -> LoadResult:
    new_values = _mapped_values(mapped, [p.product_key for p in mapped.lines])
    before = current_values(plan)
    edited = set(plan.edited_fields or [])
    conflicts = [Conflict(f, display(before.get(f)), display(v)) for f, v in new_values.items()
                 if f in edited and display(before.get(f)) != display(v)]
    applied = [f for f in new_values if f not in edited]
    for name_ in applied:
        set_value(plan, name_, new_values[name_])
    plan.name, plan.contact_candidates = name, list(mapped.contact_candidates)
    plan.currency = mapped.currency
    plan.contract_values = {f: value_to_json(v) for f, v in new_values.items()}
    plan.reload_differences = [c.field for c in conflicts]  # shown on the row's page until applied or matched
    _replace_provenance(session, plan, mapped)
    _refresh_warnings(plan, mapped, kept=edited)
    plan.load_error, plan.loaded_at = "", utcnow()
    plan.stage = stage_after_edit("loaded" if plan.stage == "received" else plan.stage, readiness_blockers(plan))
    touch(plan)
    after = current_values(plan)
    changed = [f for f in after if display(after[f]) != display(before.get(f))]
    record_audit(session, actor, "annual_plan.loaded", "annual_plan", plan.id,
                 before={f: value_to_json(before.get(f)) for f in changed},
                 after={f: value_to_json(after[f]) for f in changed},
                 note=f"{len(plan.open_warnings)} open warnings; {len(conflicts)} edited fields differ from the contract")
    session.flush()
    return LoadResult(plan, applied=applied, conflicts=conflicts)


def _with_owner_warnings(session, plan: AnnualPlan, mapped: MappedContract) -> MappedContract:
    """An organisation another customer already bills needs a person before this row bills it too."""
    found = [ContractWarning("organization_ids", problem, ", ".join(mapped.organization_ids))
             for problem in held_elsewhere(session, list(mapped.organization_ids), plan.stripe_customer_id)]
    return replace(mapped, warnings=mapped.warnings + tuple(found)) if found else mapped


def _mapped_values(mapped: MappedContract, product_keys) -> dict:
    values = {}
    for name in field_names(product_keys):
        if name.startswith("line."):
            _, product, column = name.split(".")
            values[name] = getattr(mapped.line(product), column)
        else:
            values[name] = getattr(mapped, name)
    return values


def _replace_provenance(session, plan: AnnualPlan, mapped: MappedContract) -> None:
    """A bulk delete and insert: ~35 rows a document, which the unit of work would insert one by one."""
    table = FieldProvenance.__table__
    connection = session.connection()
    connection.execute(delete(table).where(table.c.plan_id == plan.id))
    connection.execute(insert(table), [
        {"plan_id": plan.id, "field": p.field, "source": p.source, "key": p.key or "", "raw": p.raw or "",
         "value": p.value, "warning": p.warning} for p in mapped.provenance])
    session.expire(plan, ["provenance"])


def _refresh_warnings(plan: AnnualPlan, mapped: MappedContract, kept: set[str]) -> None:
    """Open warnings are replaced; one a person already resolved is not raised again."""
    resolved = {(w.field, w.message, w.raw) for w in plan.warnings if w.resolved_at is not None}
    for warning in list(plan.open_warnings):
        plan.warnings.remove(warning)
    for w in mapped.warnings:
        if (w.field, w.message, w.raw) in resolved or w.field in kept:
            continue
        plan.warnings.append(PlanWarning(field=w.field, message=w.message, raw=w.raw or ""))


def apply_contract_values(session, actor: Actor, plan_id: int, fields: list[str], expected_version: int) -> AnnualPlan:
    """After a re-load: take the contract's value for the fields the person ticked."""
    if not fields:
        raise Invalid("tick at least one field to take from the contract")
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    contract = plan.contract_values or {}
    unknown = [f for f in fields if f not in contract]
    if unknown:
        raise Invalid(f"the contract has no value for {', '.join(unknown)}")
    before = {f: value_to_json(get_value(plan, f)) for f in fields}
    for name in fields:
        set_value(plan, name, value_from_json(name, contract[name]))
        for p in plan.provenance:
            if p.field == name and p.warning:
                plan.warnings.append(PlanWarning(field=name, message=p.warning, raw=p.raw))
    plan.edited_fields = [f for f in plan.edited_fields if f not in fields]
    plan.reload_differences = [f for f in plan.reload_differences or [] if f not in fields]
    plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
    touch(plan)
    record_audit(session, actor, "annual_plan.contract_values_applied", "annual_plan", plan.id,
                 before=before, after={f: contract[f] for f in fields})
    session.flush()
    return plan
