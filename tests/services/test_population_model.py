"""Model-based test of assignment and offboarding (R-E1-R-E4, R-D1-R-D3, R-AC2).

Hypothesis drives random sequences of service calls — assign, remove, edit an
extension field, change a profile's names or email, disable, enable, transfer
the primary administrator — and after every step checks the invariants that the
seeds describe:

- an extension is assigned to an active profile, or held by the PA (never by a
  disabled profile);
- each populated field either was edited on that extension, or equals the
  holder's current value;
- the profile's own fields are never changed by an extension edit.

Each example runs in one transaction that is rolled back, on a real database.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from phonedesk.accounts import service as accounts
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.errors import DomainError
from phonedesk.extensions import service as extensions
from phonedesk.extensions.population import SOURCES
from phonedesk.models import Extension, Profile
from phonedesk.profiles import service as profiles
from phonedesk.scope import Actor, Scope

NUMBERS = ["101", "102", "103"]
PEOPLE = 3  # profile 0 is the primary administrator

person = st.integers(0, PEOPLE - 1)
number = st.sampled_from(NUMBERS)
field = st.sampled_from(list(SOURCES))
step = st.one_of(
    st.tuples(st.just("assign"), number, person),
    st.tuples(st.just("remove"), number),
    st.tuples(st.just("edit"), number, field, st.integers(0, 9)),
    st.tuples(st.just("clear_edit"), number, field),
    st.tuples(st.just("rename"), person, st.sampled_from(["first_name", "last_name", "email"]),
              st.integers(0, 9)),
    st.tuples(st.just("disable"), person),
    st.tuples(st.just("enable"), person),
    st.tuples(st.just("make_admin"), person),
    st.tuples(st.just("transfer"), person),
)


def _value(fld: str, n: int) -> str:
    return f"v{n}@edit.example" if fld.endswith("email") else f"Edit{n}"


def _apply(scope: Scope, ids: list[str], op: tuple[Any, ...]) -> None:
    kind = op[0]
    if kind == "assign":
        extensions.assign_profile(scope, op[1], ids[op[2]])
    elif kind == "remove":
        extensions.remove_profile(scope, op[1])
    elif kind == "edit":
        extensions.update_extension(scope, op[1], {op[2]: _value(op[2], op[3])})
    elif kind == "clear_edit":
        extensions.update_extension(scope, op[1], {op[2]: None})
    elif kind == "rename":
        value = f"p{op[3]}@people.example" if op[2] == "email" else f"Name{op[3]}"
        profiles.update_profile(scope, ids[op[1]], {op[2]: value})
    elif kind == "disable":
        profiles.disable_profile(scope, ids[op[1]])
    elif kind == "enable":
        profiles.enable_profile(scope, ids[op[1]])
    elif kind == "make_admin":
        profiles.set_role(scope, ids[op[1]], "administrator")
    elif kind == "transfer":
        profiles.transfer_primary_admin(scope, ids[op[1]])


def _check(scope: Scope) -> None:
    db = scope.db
    db.expire_all()
    pa = db.get(Profile, scope.account.primary_admin_id)
    assert pa is not None and pa.status == "active"
    for ext in db.scalars(select(Extension).where(Extension.account_id == scope.account_id)):
        holder = db.get(Profile, ext.profile_id) if ext.profile_id else pa
        assert holder is not None
        assert holder.status == "active", f"{ext.number} assigned to a disabled profile"
        for ext_field, source in SOURCES.items():
            if not getattr(ext, f"{ext_field}_edited"):
                assert getattr(ext, ext_field) == getattr(holder, source), (
                    ext.number, ext_field, getattr(ext, ext_field), getattr(holder, source))


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_population_invariants_hold(database: Database, settings: Settings,
                                    steps: list[tuple[Any, ...]]) -> None:
    session = database.write_session()
    try:
        created = accounts.create_account(
            session, settings, name="Model", admin_first_name="Pat", admin_last_name="Admin",
            admin_email="pat@model.example", admin_username="pat")
        scope = Scope(db=session, account=created.account, actor=Actor.cli(), settings=settings)
        ids = [created.primary_admin_public_id]
        for i in range(1, PEOPLE):
            ids.append(profiles.create_profile(
                scope, first_name=f"P{i}", last_name="Person", email=f"p{i}@model.example",
                username=f"person{i}").public_id)
        for n in NUMBERS:
            extensions.create_extension(scope, number=n)
        _check(scope)
        for op in steps:
            profile_before = {
                p.public_id: (p.first_name, p.last_name, p.email)
                for p in session.scalars(select(Profile))
            }
            nested = session.begin_nested()
            try:
                _apply(scope, ids, op)
            except DomainError:
                nested.rollback()  # a refused step changes nothing
            else:
                nested.commit()
            if op[0] in ("edit", "clear_edit", "assign", "remove"):
                after = {p.public_id: (p.first_name, p.last_name, p.email)
                         for p in session.scalars(select(Profile))}
                assert after == profile_before, "an extension change altered a profile"
            _check(scope)
    finally:
        session.rollback()
        session.close()
