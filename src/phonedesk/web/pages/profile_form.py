"""The one profile form: the New Profile page, a profile's page and Edit Extension's
*Create New User Profile* dialog all show these inputs (R-P1, R-P2, R-P4).

Labels, limits and hints come from the field catalogue
(:mod:`phonedesk.profiles.fields`), so a limit is stated once and every form
says the same; custom fields appear when the account has given them a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form
from pydantic import BaseModel, Field

from phonedesk.models import Account, Profile
from phonedesk.profiles import fields as catalogue
from phonedesk.profiles import rules
from phonedesk.web.pages.common import FormErrors

USERNAME_CHARACTERS = "letters, digits, spaces and . _ - @ + '"


@dataclass(frozen=True)
class Input:
    """One input of the form, as the template draws it."""

    key: str
    label: str
    hint: str
    required: bool
    type: str = "text"


def _hint(field: catalogue.ProfileField, *, editing: bool) -> str:
    if field is catalogue.USERNAME:
        start = ("The sign-in name." if editing else
                 "Starts as the email address; you can change it. It is the sign-in name.")
        return (f"{start} At most {field.limit} characters: {USERNAME_CHARACTERS}. "
                "Unique in the whole system.")
    if field is catalogue.EMAIL:
        return f"At most {field.limit} characters. Invitations and notifications go here."
    if field.number is not None:
        return f"Optional, at most {field.limit} characters."
    return f"At most {field.limit} characters."


def inputs(account: Account, *, editing: bool = False) -> list[Input]:
    """The form's inputs in the catalogue's order; disabled custom fields have none (R-P4)."""
    labels = catalogue.labels(account)
    named = account.custom_labels()
    label_of = {**labels, "username": "User Name"}
    return [
        Input(f.key, label_of[f.key], _hint(f, editing=editing), f.number is None,
              "email" if f is catalogue.EMAIL else "text")
        for f in catalogue.FIELDS
        if f.number is None or f.number in named
    ]


def input_names(account: Account) -> set[str]:
    """The names of the inputs: an error for another field goes at the top of the form."""
    return {i.key for i in inputs(account)}


Text = Annotated[str, Field(max_length=1000)]


class ProfileFormData(BaseModel):
    """What the form posts; a disabled custom field has no input, so it arrives empty."""

    first_name: Text = ""
    last_name: Text = ""
    email: Text = ""
    username: Text = ""
    custom_field_1: Text = ""
    custom_field_2: Text = ""
    custom_field_3: Text = ""
    username_follows_email: Annotated[str, Field(max_length=10)] = ""
    form_key: Annotated[str, Field(max_length=100)] = ""  # web.once

    def values(self) -> dict[str, str]:
        """The profile fields, by catalogue key."""
        return {key: getattr(self, key) for key in catalogue.KEYS}


Posted = Annotated[ProfileFormData, Form()]


def values_of(profile: Profile) -> dict[str, str]:
    """A stored profile as the form's values."""
    return {key: getattr(profile, key) or "" for key in catalogue.KEYS}


def context(account: Account, values: dict[str, str], errors: FormErrors, *,
            prefix: str = "f-", profile: Profile | None = None,
            follows: bool = False) -> dict[str, object]:
    """What ``admin/_profile_form.html`` needs. ``profile`` is the one being edited:
    when its username is its email, the form offers to rename it with the email (R-P2)."""
    offer = profile is not None and rules.username_is_email(profile.username, profile.email)
    return {"inputs": inputs(account, editing=profile is not None), "data": values,
            "errors": errors, "prefix": prefix, "profile": profile, "offer_rename": offer,
            "follows": follows}
