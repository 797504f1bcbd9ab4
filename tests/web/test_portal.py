"""Virtual Office in Chromium: from the emailed link to playing a voicemail
(R-V1, R-V3, R-E4, R-M1, R-DIR1)."""

from __future__ import annotations

import io
import math
import re
import struct
import wave
from typing import Any

from playwright.sync_api import expect

from phonedesk.extensions import service as extensions
from phonedesk.messages import service as messages
from phonedesk.profiles import service as profiles
from tests.conftest import AccountInfo
from tests.web.conftest import ScopeFor, Server

NEW_PASSWORD = "violet tractor umbrella 1987"


def _wav() -> bytes:
    """Half a second of a 440 Hz tone: something a browser can really decode and play."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i
                                                                       / 8000)))
                               for i in range(4000)))
    return buffer.getvalue()


def _pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages"
            b"/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def test_end_user_sets_password_from_email_signs_in_edits_address_plays_voicemail(
    page: Any, web_server: Server, acct: AccountInfo, run: ScopeFor
) -> None:
    """The seed's end-user path: assignment email → password → sign in → my extensions →
    change a notification address (that extension only) → play a voicemail."""
    email = f"ivy{acct.id}@webco.example"
    username = f"ivy{acct.id}"

    def setup(s: Any) -> None:
        p = profiles.create_profile(s, first_name="Ivy", last_name="Tan", email=email,
                                    username=username)
        extensions.create_extension(s, number="601", profile_id=p.public_id)
        extensions.create_extension(s, number="602", profile_id=p.public_id)

    run(setup)
    web_server.mailbox.deliver(web_server)
    received = web_server.mailbox.to(email)
    assert received, "the assignment emails reached the SMTP server"
    body = "\n".join(m.get_body(preferencelist=("plain",)).get_content() for m in received)
    links = re.findall(r"http://127\.0\.0\.1:\d+/password/setup/[A-Za-z0-9_\-]+", body)
    assert links, body
    # R-V3: a newer link voids the older one, so the last email's link is the live one.
    page.goto(links[-1])
    expect(page.get_by_role("heading", name="Create your password")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Create password").click()
    expect(page.locator("#f-password-error")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create password").click()
    expect(page.get_by_role("heading", name="Password created")).to_be_visible()
    page.get_by_role("link", name="Sign in to Virtual Office").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My Extensions")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Ivy Tan")
    # Change extension 601's voicemail address; a bad one first is kept with a message.
    card = page.get_by_role("region", name="Extension 601")
    card.get_by_label("Voicemail-to-email address").fill("ivy at home")
    card.get_by_role("button", name="Save extension 601").click()
    card = page.get_by_role("region", name="Extension 601")
    expect(card.locator(".field-error")).to_contain_text("not a valid email address")
    expect(card.get_by_label("Voicemail-to-email address")).to_have_value("ivy at home")
    card.get_by_label("Voicemail-to-email address").fill("ivy@home.example")
    card.get_by_role("button", name="Save extension 601").click()
    expect(page.get_by_role("status")).to_contain_text("other extensions are unchanged")
    expect(page.get_by_role("region", name="Extension 601").get_by_label(
        "Voicemail-to-email address")).to_have_value("ivy@home.example")
    expect(page.get_by_role("region", name="Extension 602").get_by_label(
        "Voicemail-to-email address")).to_have_value(email)
    assert run(lambda s: profiles.get_by_username(s, username).email) == email  # R-E4
    # A voicemail and a fax arrive from the PBX.
    run(lambda s: messages.deposit(s, number="601", data=_wav(), caller_number="+15550100"))
    run(lambda s: messages.deposit(s, number="602", data=_pdf(), caller_number="+15550199"))
    page.get_by_role("link", name="My Messages").click()
    audio = page.get_by_label("Voicemail from +15550100", exact=True)
    expect(audio).to_be_visible()
    played = audio.evaluate("""async (el) => {
        el.muted = true;
        await el.play();
        await new Promise(r => setTimeout(r, 300));
        return {paused: el.paused, time: el.currentTime, duration: el.duration};
    }""")
    assert played["duration"] > 0.4 and played["time"] > 0, played
    with page.expect_download() as download:
        page.get_by_role("link", name="Download fax (PDF)").click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="Delete voicemail from +15550100").click()
    expect(page.get_by_role("status")).to_contain_text("deleted")
    expect(page.get_by_label("Voicemail from +15550100", exact=True)).to_have_count(0)
    # The directory lists Ivy with both extensions (R-DIR1).
    page.get_by_role("link", name="Directory").click()
    expect(page.get_by_role("row", name="Ivy Tan")).to_contain_text("601, 602")
