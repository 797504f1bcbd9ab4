"""R-S1: SCIM protocol behaviour — errors, ETags, filters, pagination, PATCH, media types."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from phonedesk.config import Settings
from phonedesk.db import Database
from tests.conftest import AccountInfo
from tests.scim.conftest import (
    ERROR,
    EXTENSION,
    label_custom_fields,
    new_user,
    patch_body,
    profile_state,
)


def _error(response, status: int, scim_type: str | None = None) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/scim+json")
    body = response.json()
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert body["detail"]
    return str(body["detail"])


def _create(scim: TestClient, user_name: str, **extra: object) -> dict:
    response = scim.post("/scim/v2/Users", json=new_user(user_name, **extra))
    assert response.status_code == 201, response.text
    return dict(response.json())


# --- errors in the SCIM error schema ---------------------------------------------


def test_unknown_paths_and_methods_are_scim_errors(scim: TestClient) -> None:
    _error(scim.get("/scim/v2/Groups"), 404)
    _error(scim.get("/scim/v2/Users/nope/extra"), 404)
    _error(scim.get("/scim/v2/Schemas/urn:nope"), 404)
    _error(scim.get("/scim/v2/ResourceTypes/Group"), 404)
    for method in ("post", "put", "patch", "delete"):
        for path in ("/scim/v2/ServiceProviderConfig", "/scim/v2/Schemas",
                     "/scim/v2/ResourceTypes"):
            _error(getattr(scim, method)(path), 405)
    _error(scim.put("/scim/v2/Users"), 405)


def test_credentials_are_per_kind(client: TestClient, account: AccountInfo,
                                  scim_secret: str) -> None:
    """An API token is not a SCIM token and a SCIM token is not an API token."""
    _error(client.get("/scim/v2/Users"), 401)
    _error(client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {account.token}"}),
           401)
    _error(client.get("/scim/v2/Users", headers={"Authorization": "Bearer pdscim_nope"}), 401)
    rest = client.get("/api/v1/profiles", headers={"Authorization": f"Bearer {scim_secret}"})
    assert rest.status_code == 401


def test_malformed_bodies_are_invalid_syntax_and_change_nothing(
    scim: TestClient, database: Database
) -> None:
    _error(scim.post("/scim/v2/Users", content=b"{not json"), 400, "invalidSyntax")
    _error(scim.post("/scim/v2/Users", content=b"[1, 2]"), 400, "invalidSyntax")
    _error(scim.post("/scim/v2/Users", content="\udcff".encode("utf-8", "surrogatepass")),
           400, "invalidSyntax")
    _error(scim.post("/scim/v2/Users", content=b"userName=x",
                     headers={"Content-Type": "application/x-www-form-urlencoded"}), 415)
    uid = _create(scim, "ada")["id"]
    _error(scim.patch(f"/scim/v2/Users/{uid}", content=b"{"), 400, "invalidSyntax")
    _error(scim.patch(f"/scim/v2/Users/{uid}", json={"schemas": [], "Operations": [
        {"op": "bogus", "path": "userName", "value": "x"}]}), 400, "invalidValue")
    _error(scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(
        {"op": "remove", "path": "emails"})), 400, "mutability")
    assert profile_state(database, uid)["version"] == 1


def test_both_media_types_are_accepted(scim: TestClient) -> None:
    plain = scim.post("/scim/v2/Users", json=new_user("plain"),
                      headers={"Content-Type": "application/json"})
    assert plain.status_code == 201
    scim_type = scim.post("/scim/v2/Users", json=new_user("scimtype", given="Bo"),
                          headers={"Content-Type": "application/scim+json; charset=utf-8"})
    assert scim_type.status_code == 201
    assert scim_type.headers["content-type"].startswith("application/scim+json")


def test_rule_violations_map_to_scim_keywords(scim: TestClient, account: AccountInfo,
                                              database: Database) -> None:
    _create(scim, "ada")
    # R-P2: case-insensitive uniqueness across the installation.
    _error(scim.post("/scim/v2/Users", json=new_user("ADA", given="Other")), 409, "uniqueness")
    _error(scim.post("/scim/v2/Users", json=new_user("pat.admin@acme.example")), 409,
           "uniqueness")
    # R-P2: at most 30 characters, and the detail says what to do in the IdP.
    detail = _error(scim.post("/scim/v2/Users", json=new_user("a" * 25 + "@contoso.com")),
                    400, "invalidValue")
    assert "at most 30" in detail and "map userName to a shorter attribute" in detail
    # R-P1
    _error(scim.post("/scim/v2/Users", json=new_user("bad", email="not-an-email")), 400,
           "invalidValue")
    _error(scim.post("/scim/v2/Users", json=new_user("longname", given="x" * 51)), 400,
           "invalidValue")
    missing = new_user("noname")
    del missing["name"]
    _error(scim.post("/scim/v2/Users", json=missing), 400, "invalidValue")
    # R-P4
    _error(scim.post("/scim/v2/Users", json=new_user("cf", **{EXTENSION: {
        "customField1": "x" * 101}})), 400, "invalidValue")
    # R-AC2: the primary administrator cannot be disabled, nor deleted.
    pa = account.primary_admin_id
    _error(scim.patch(f"/scim/v2/Users/{pa}", json=patch_body(
        {"op": "replace", "path": "active", "value": False})), 409)
    _error(scim.delete(f"/scim/v2/Users/{pa}"), 409)
    assert profile_state(database, pa)["status"] == "active"


def test_a_failing_patch_applies_nothing(scim: TestClient, database: Database) -> None:
    uid = _create(scim, "ada")["id"]
    _error(scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(
        {"op": "replace", "path": "name.givenName", "value": "Changed"},
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "userName", "value": "x" * 31},
    )), 400, "invalidValue")
    state = profile_state(database, uid)
    assert (state["first_name"], state["status"], state["version"]) == ("Ada", "active", 1)


# --- ETags --------------------------------------------------------------------------


def test_etag_is_meta_version_and_if_match_guards_writes(scim: TestClient,
                                                         database: Database) -> None:
    user = _create(scim, "ada")
    uid, tag = user["id"], user["meta"]["version"]
    assert user["meta"]["lastModified"] == user["meta"]["created"]  # RFC 7643 §3.1
    got = scim.get(f"/scim/v2/Users/{uid}")
    assert got.headers["ETag"] == got.json()["meta"]["version"] == tag
    ok = scim.patch(f"/scim/v2/Users/{uid}", headers={"If-Match": tag}, json=patch_body(
        {"op": "replace", "path": "name.familyName", "value": "Byron"}))
    assert ok.status_code == 200 and ok.headers["ETag"] != tag
    meta = ok.json()["meta"]
    assert datetime.fromisoformat(meta["lastModified"]) > datetime.fromisoformat(meta["created"])
    for response in (
        scim.patch(f"/scim/v2/Users/{uid}", headers={"If-Match": tag}, json=patch_body(
            {"op": "replace", "path": "name.familyName", "value": "Stale"})),
        scim.put(f"/scim/v2/Users/{uid}", headers={"If-Match": tag},
                 json=new_user("ada", family="Stale")),
        scim.delete(f"/scim/v2/Users/{uid}", headers={"If-Match": tag}),
    ):
        _error(response, 412)
    assert profile_state(database, uid)["last_name"] == "Byron"
    assert scim.delete(f"/scim/v2/Users/{uid}",
                       headers={"If-Match": ok.headers["ETag"]}).status_code == 204


# --- filters and pagination -----------------------------------------------------------


def test_supported_filters(scim: TestClient) -> None:
    ada = _create(scim, "Zoë.Ada", email="ada@example.com", externalId="ext-1")["id"]
    _create(scim, "bob", given="Bob", email="bob@example.com", externalId="ext-2")

    def ids(expression: str) -> list[str]:
        response = scim.get("/scim/v2/Users", params={"filter": expression})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["totalResults"] == len(body["Resources"])
        return [r["id"] for r in body["Resources"]]

    assert ids('userName eq "ZOË.ADA"') == [ada]  # full Unicode case folding (R-P2)
    assert ids('username EQ "zoë.ada"') == [ada]
    assert ids('externalId eq "ext-1"') == [ada]
    assert ids('externalId eq "EXT-1"') == []  # externalId is case-exact
    assert ids('emails[type eq "work"].value eq "ADA@example.com"') == [ada]
    assert ids('emails.value eq "ada@example.com"') == [ada]
    assert ids('userName eq "Zoë.Ada" and externalId eq "ext-1"') == [ada]
    assert ids('userName eq "Zoë.Ada" and externalId eq "ext-2"') == []
    search = scim.post("/scim/v2/Users/.search", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": 'externalId eq "ext-2"', "attributes": ["userName"]})
    assert search.status_code == 200
    [found] = search.json()["Resources"]
    assert {k: v for k, v in found.items() if k not in ("schemas", "id")} == {"userName": "bob"}


UNSUPPORTED_FILTERS = [
    'userName sw "a"', 'userName co "a"', 'userName eq "a" or userName eq "b"',
    'not (userName eq "a")', "userName pr", 'displayName eq "x"', 'name.givenName eq "x"',
    'emails[type eq "home"].value eq "a@b.c"', "userName eq 42", 'userName eq "a', "((",
    'meta.lastModified gt "2011-05-13T04:42:34Z"',
]


def test_other_filters_are_invalid_filter(scim: TestClient) -> None:
    for expression in UNSUPPORTED_FILTERS:
        detail = _error(scim.get("/scim/v2/Users", params={"filter": expression}), 400,
                        "invalidFilter")
        assert "userName eq" in detail, expression


def test_pagination_is_stable_and_one_based(scim: TestClient) -> None:
    created = [_create(scim, f"user{n}", given=f"U{n}")["id"] for n in range(5)]

    def page(**params: object) -> dict:
        response = scim.get("/scim/v2/Users", params=params)
        assert response.status_code == 200, response.text
        return dict(response.json())

    everyone = page()
    assert everyone["totalResults"] == 6 and isinstance(everyone["totalResults"], int)
    order = [r["id"] for r in everyone["Resources"]]
    assert order[1:] == created  # the PA first, then in creation order
    first = page(startIndex=1, count=2)
    assert (first["startIndex"], first["itemsPerPage"], first["totalResults"]) == (1, 2, 6)
    assert [r["id"] for r in first["Resources"]] == order[:2]
    assert [r["id"] for r in page(startIndex=3, count=2)["Resources"]] == order[2:4]
    assert [r["id"] for r in page(startIndex=6, count=2)["Resources"]] == order[5:]
    assert page(startIndex=7, count=2)["Resources"] == []
    assert [r["id"] for r in page(startIndex=0, count=1)["Resources"]] == order[:1]
    counted = page(count=0)
    assert counted["totalResults"] == 6 and counted["Resources"] == []
    assert page(count=-3)["Resources"] == []
    _error(scim.get("/scim/v2/Users", params={"count": "many"}), 400, "invalidValue")


def test_attributes_and_excluded_attributes(scim: TestClient) -> None:
    uid = _create(scim, "ada", externalId="e-1")["id"]
    only = scim.get(f"/scim/v2/Users/{uid}", params={"attributes": "externalId"}).json()
    assert set(only) == {"schemas", "id", "externalId"}
    without = scim.get(f"/scim/v2/Users/{uid}",
                       params={"excludedAttributes": "emails,name"}).json()
    assert "emails" not in without and "name" not in without and without["userName"] == "ada"
    _error(scim.get(f"/scim/v2/Users/{uid}", params={"attributes": "]["}), 400, "invalidPath")


# --- PATCH forms and the extension ---------------------------------------------------


def test_patch_forms(scim: TestClient, database: Database,
                     labelled: None) -> None:
    uid = _create(scim, "ada", externalId="e-1")["id"]
    response = scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(
        {"op": "replace", "value": {"userName": "ada.l", "name": {"givenName": "Augusta",
                                                                 "familyName": "King"}}},
        {"op": "add", "path": f"{EXTENSION}:customField3", "value": "Analyst"},
        {"op": "remove", "path": "externalId"},
    ))
    assert response.status_code == 200, response.text
    state = profile_state(database, uid)
    assert (state["username"], state["first_name"], state["last_name"],
            state["custom_field_3"], state["external_id"]) == (
        "ada.l", "Augusta", "King", "Analyst", None)
    cleared = scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(
        {"op": "remove", "path": EXTENSION}))
    assert cleared.status_code == 200 and EXTENSION not in cleared.json()
    assert profile_state(database, uid)["custom_field_3"] is None


def test_a_value_for_an_unlabelled_custom_field_is_invalid(
    scim: TestClient, database: Database, settings: Settings, account: AccountInfo
) -> None:
    """R-P4 as for the REST API: the profile service refuses it, SCIM says invalidValue."""
    detail = _error(scim.post("/scim/v2/Users", json=new_user("cf2", **{EXTENSION: {
        "customField2": "Berlin"}})), 400, "invalidValue")
    assert "Custom Field 2 has no label" in detail
    label_custom_fields(database, account.id, ("Department", "Office", "Job"))
    uid = _create(scim, "cf2", **{EXTENSION: {"customField2": "Berlin"}})["id"]
    label_custom_fields(database, account.id, ("Department", None, "Job"))
    # The value kept from before travels back unchanged: a PATCH of another attribute works.
    renamed = scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(
        {"op": "replace", "path": "name.familyName", "value": "Byron"}))
    assert renamed.status_code == 200, renamed.text
    assert profile_state(database, uid)["custom_field_2"] == "Berlin"
    _error(scim.patch(f"/scim/v2/Users/{uid}", json=patch_body(
        {"op": "replace", "path": f"{EXTENSION}:customField2", "value": "Paris"})), 400,
        "invalidValue")


def test_custom_field_labels_are_published(scim: TestClient, database: Database,
                                           settings: Settings, account: AccountInfo) -> None:
    from phonedesk.models import Account

    with database.transaction() as db:
        acc = db.get(Account, account.id)
        assert acc is not None
        acc.custom_field_1_label = "Cost Center"
    schema = scim.get(f"/scim/v2/Schemas/{EXTENSION}").json()
    descriptions = [a["description"] for a in schema["attributes"]]
    assert "Cost Center" in descriptions[0] and "no label" in descriptions[1]
    resource_type = scim.get("/scim/v2/ResourceTypes/User").json()
    assert resource_type["schemaExtensions"] == [{"schema": EXTENSION, "required": False}]
    listed = [s["id"] for s in scim.get("/scim/v2/Schemas").json()["Resources"]]
    assert listed == ["urn:ietf:params:scim:schemas:core:2.0:User", EXTENSION]


def test_created_inactive_user_is_disabled(scim: TestClient, database: Database) -> None:
    uid = _create(scim, "gone", active=False)["id"]
    assert profile_state(database, uid)["status"] == "disabled"
    assert scim.get(f"/scim/v2/Users/{uid}").json()["active"] is False


def test_put_keeps_what_it_does_not_mention(scim: TestClient, database: Database,
                                            labelled: None) -> None:
    """A PUT without the extension or externalId leaves an administrator's values alone;
    a PUT that sends them replaces them."""
    uid = _create(scim, "ada", externalId="e-1", **{EXTENSION: {"customField1": "Sales"}})["id"]
    body = new_user("ada", family="Byron")
    del body["active"]
    kept = scim.put(f"/scim/v2/Users/{uid}", json=body)
    assert kept.status_code == 200, kept.text
    state = profile_state(database, uid)
    assert (state["last_name"], state["custom_field_1"], state["external_id"],
            state["status"]) == ("Byron", "Sales", "e-1", "active")
    replaced = scim.put(f"/scim/v2/Users/{uid}", json=new_user(
        "ada", externalId="e-2", **{EXTENSION: {"customField2": "Berlin"}}))
    assert replaced.status_code == 200
    state = profile_state(database, uid)
    assert (state["custom_field_1"], state["custom_field_2"], state["external_id"]) == (
        None, "Berlin", "e-2")
