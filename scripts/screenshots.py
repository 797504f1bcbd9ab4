"""Serve PhoneDesk with demo data on 127.0.0.1 and save a PNG of each main page (1280×800,
and the phone-width ones at 390×844).

    make screenshots        # writes ./screenshots/*.png

Uses a throw-away SQLite database, signs in through the real sign-in pages and
drives Debian's Chromium (/usr/bin/chromium) with Playwright.
"""

from __future__ import annotations

import io
import math
import socket
import struct
import sys
import tempfile
import threading
import time
import wave
from pathlib import Path
from typing import Any

import uvicorn

from phonedesk.accounts import profile_fields
from phonedesk.accounts import service as accounts
from phonedesk.app import create_app
from phonedesk.auth import tokens
from phonedesk.auth.passwords import hash_password
from phonedesk.bulk import service as bulk
from phonedesk.config import Settings
from phonedesk.db import Database
from phonedesk.extensions import lifecycle
from phonedesk.extensions import service as extensions
from phonedesk.messages import service as messages
from phonedesk.migrate import upgrade
from phonedesk.models import OutboxMessage
from phonedesk.models.profile import ROLE_ADMIN
from phonedesk.profiles import service as profiles
from phonedesk.scope import Actor, Scope

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUT = Path("screenshots")
PASSWORD = "demo password for screenshots"
PEOPLE = [
    ("Ann", "Lee", "Sales"), ("Bob", "Ray", "Support"), ("Cat", "Sims", "Support"),
    ("Dev", "Patel", "Engineering"), ("Eve", "Ng", "Finance"), ("Fay", "Oh", "Sales"),
    ("Gil", "Moe", "Engineering"), ("Hana", "Kim", "Front desk"), ("Ivo", "Jung", "Sales"),
    ("Jo", "Baker", "Support"), ("Kai", "Lund", "Finance"), ("Lia", "Santos", "Sales"),
    ("Max", "Weber", "Engineering"), ("Nia", "Obi", "Support"), ("Oli", "Hart", "Sales"),
    ("Pia", "Roth", "Finance"), ("Quinn", "Yu", "Engineering"), ("Rosa", "Diaz", "Support"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"".join(struct.pack("<h", int(6000 * math.sin(i / 3)))
                               for i in range(16000)))
    return buffer.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def seed(database: Database, settings: Settings) -> dict[str, str]:
    """An account that looks lived in: people, a lobby, extensions, messages, email, tokens."""
    ids: dict[str, str] = {}
    with database.transaction() as db:
        created = accounts.create_account(
            db, settings, name="Acme Dental", admin_first_name="Pat", admin_last_name="Admin",
            admin_email="pat@acme-dental.example", admin_username="pat")
        account = created.account
        account.time_zone = "America/New_York"  # the pages show times in it
        actor = Actor(kind="profile", id=created.primary_admin_public_id, label="Pat Admin")
        scope = Scope(db=db, account=account, actor=actor, settings=settings)
        pa = profiles.get_profile(scope, created.primary_admin_public_id)
        pa.password_hash = hash_password(PASSWORD)
        profile_fields.update_profile_fields(scope, labels={1: "Department"}, visible_columns=[
            "first_name", "last_name", "email", "username", "custom_field_1", "extensions",
            "status", "role"])
        number = 201
        for first, last, dept in PEOPLE:
            p = profiles.create_profile(
                scope, first_name=first, last_name=last,
                email=f"{first.lower()}.{last.lower()}@acme-dental.example",
                username=f"{first.lower()}.{last.lower()}", custom_field_1=dept)
            ids[first] = p.public_id
            lifecycle.create_extension(scope, number=str(number), profile_id=p.public_id)
            number += 1
        lifecycle.create_extension(scope, number=str(number), profile_id=ids["Gil"])
        lobby = profiles.create_profile(scope, first_name="Front", last_name="Lobby",
                                        email="pat@acme-dental.example", username="Front Lobby")
        ids["Lobby"] = lobby.public_id
        # Username left blank: it is the email, so an email edit offers to rename it (R-P2).
        ids["Tess"] = profiles.create_profile(scope, first_name="Tess", last_name="Vale",
                                              email="tess@acme-dental.example").public_id
        lifecycle.create_extension(scope, number="100", profile_id=lobby.public_id)
        for n in ("300", "301", "302"):
            lifecycle.create_extension(scope, number=n)
        extensions.update_extension(scope, "201", {"voicemail_email": "ann@home.example"})
        profiles.set_role(scope, ids["Dev"], ROLE_ADMIN)
        profiles.disable_profile(scope, ids["Rosa"])
        ann = profiles.get_profile(scope, ids["Ann"])
        ann.password_hash = hash_password(PASSWORD)
        messages.deposit(scope, number="201", data=_wav(), caller_number="+1 555 0100")
        messages.deposit(scope, number="201", data=PDF, caller_number="+1 555 0199")
        messages.deposit(scope, number="201", data=_wav(), caller_number="+1 555 0142")
        tokens.create_token(scope, name="Payroll sync")
        tokens.create_token(scope, kind="scim", name="Okta provisioning")
        db.flush()
        failed = db.query(OutboxMessage).filter(
            OutboxMessage.to_address == "quinn.yu@acme-dental.example").first()
        if failed is not None:
            failed.status = "failed"
            failed.attempts = 5
            failed.last_error = "550 5.1.1 mailbox unavailable"
        for m in db.query(OutboxMessage).filter(OutboxMessage.status == "pending").limit(12):
            m.status = "sent"
            m.sent_at = m.created_at
            m.attempts = 1
        csv_text = ("Internal ID,First Name,Last Name,Email Address,Username,Department\r\n"
                    f"{ids['Ann']},Ann,Lee,ann.lee@acme-dental.example,ann.lee,Sales\r\n"
                    f"{ids['Bob']},Bob,Ray,bob.ray@acme-dental.example,bob.ray,Customer care\r\n"
                    ",Sam,Ortiz,sam.ortiz@acme-dental.example,,Sales\r\n"
                    ",Tess,Quinn,tess.quinn@acme-dental.example,,Support\r\n"
                    ",Uma,,uma@acme-dental.example,,Finance\r\n"
                    ",Vic,Stone,not-an-email,,Sales\r\n")
        good = ("Internal ID,First Name,Last Name,Email Address,Username,Department\r\n"
                f"{ids['Cat']},Cat,Sims,cat.sims@acme-dental.example,cat.sims,Customer care\r\n"
                ",Wes,Park,wes.park@acme-dental.example,,Sales\r\n"
                ",Xia,Chen,xia.chen@acme-dental.example,,Support\r\n")
        done = bulk.upload(scope, io.BytesIO(good.encode()), "onboarding.csv")
        bulk.submit(scope, done.public_id)
        api_token, _ = tokens.create_token(scope, name="Nightly export")
        api_token.last_used_at = api_token.created_at
        batch = bulk.upload(scope, io.BytesIO(csv_text.encode()), "new-hires.csv")
        ids["import"] = batch.public_id
        ids["pa"] = created.primary_admin_public_id
    return ids


def serve(app: Any, port: int) -> uvicorn.Server:
    class Server(uvicorn.Server):
        def install_signal_handlers(self) -> None:
            pass

    server = Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    for _ in range(200):
        if server.started:
            return server
        time.sleep(0.05)
    raise SystemExit("the server did not start")


def sign_in(page: Any, url: str, path: str, username: str) -> None:
    page.goto(url + path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def profile_form_shots(page: Any, base: str, shot: Any, ids: dict[str, str]) -> None:
    """The one profile form's states: every error at once, the username offer, the role
    confirmation, the primary administrator's held extensions, the chooser's count."""
    page.goto(base + f"/admin/profiles/{ids['Gil']}")
    page.get_by_label("Role").select_option(label="Administrator")
    page.get_by_role("button", name="Save role").click()
    shot("profile-role-confirmation")
    shot("primary-admin-held-extensions", f"/admin/profiles/{ids['pa']}")
    page.goto(base + f"/admin/profiles/{ids['Tess']}")
    page.get_by_label("Email Address").fill("tess.vale@acme-dental.example")
    shot("profile-email-edit-username-offer")
    page.goto(base + "/admin/extensions/201")
    page.get_by_label("Find a profile to assign").fill("a")
    page.get_by_text("more: refine the search").wait_for()
    shot("profile-chooser-more")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(base + "/admin/profiles/new")
        page.get_by_label("Last Name").fill("L" * 51)
        page.get_by_label("Email Address").fill("not-an-email")
        page.get_by_label("User Name").fill("bad/name")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_load_state("networkidle")
        shot(f"new-profile-four-errors-{width}", full=True)
    page.goto(base + f"/admin/profiles/{ids['Tess']}")
    page.get_by_label("Email Address").fill("tess.vale@acme-dental.example")
    shot("profile-email-edit-username-offer-390", full=True)
    page.goto(base + "/admin/extensions/201")
    page.get_by_role("button", name="Create New User Profile").click()
    shot("create-new-user-profile-dialog-390")
    page.set_viewport_size({"width": 1280, "height": 800})


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"Chromium is needed at {CHROMIUM} (apt-get install chromium).", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        url_db = f"sqlite:///{root / 'demo.db'}"
        upgrade(url_db)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        settings = Settings(environment="development", database_url=url_db, base_url=base,
                            mail_dir=root / "mail", message_dir=root / "messages",
                            outbox_worker_in_process=False)
        database = Database.from_url(url_db)
        ids = seed(database, settings)
        server = serve(create_app(settings, database), port)
        shots: list[str] = []
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                ctx = browser.new_context(viewport={"width": 1280, "height": 800})
                page = ctx.new_page()

                def shot(name: str, path: str | None = None, full: bool = False) -> None:
                    if path is not None:
                        page.goto(base + path)
                        page.wait_for_load_state("networkidle")
                    target = OUT / f"{len(shots) + 1:02d}-{name}.png"
                    page.screenshot(path=str(target), full_page=full)
                    shots.append(str(target))

                shot("admin-sign-in", "/sign-in")
                page.get_by_role("link", name="Forgot password?").click()
                shot("forgot-password")
                page.get_by_label("Username").fill("pat")
                page.get_by_role("button", name="Email me a link").click()
                shot("forgot-password-sent")
                sign_in(page, base, "/sign-in", "pat")
                shot("extensions", "/admin/extensions")
                shot("edit-extension", "/admin/extensions/201")
                page.get_by_role("button", name="Create New User Profile").click()
                dialog = page.get_by_role("dialog")
                dialog.get_by_label("First Name").fill("Sam")
                dialog.get_by_label("Last Name").fill("Ortiz")
                dialog.get_by_label("Email Address").fill("sam.ortiz@acme-dental.example")
                shot("create-new-user-profile-dialog")
                shot("edit-extension-desk-phone", "/admin/extensions/201", full=True)
                page.get_by_role("button", name="Reset SIP password").click()
                page.get_by_role("dialog").get_by_role("button", name="Reset SIP password").click()
                page.get_by_text("New SIP password for extension 201").wait_for()
                shot("reset-sip-password-shown-once")
                shot("add-extension", "/admin/extensions/new")
                page.get_by_label("Extension number").fill("250")
                page.get_by_role("button", name="Add Extension").click()
                page.wait_for_load_state("networkidle")
                shot("extension-added-sip-password")
                shot("sip-settings", "/admin/settings/sip")
                shot("profiles", "/admin/profiles")
                page.get_by_role("button", name="Edit Viewable/Hidden Fields").click()
                shot("edit-viewable-hidden-fields")
                shot("profile", f"/admin/profiles/{ids['Gil']}")
                page.get_by_role("button", name="Disable profile").click()
                shot("disable-profile-confirmation")
                profile_form_shots(page, base, shot, ids)
                shot("upload-csv-template", "/admin/imports/new")
                shot("upload-choose-file", "/admin/imports/new?step=choose")
                shot("verify-upload-errors", f"/admin/imports/{ids['import']}")
                shot("verify-upload-changed", f"/admin/imports/{ids['import']}?tab=changed")
                shot("directory", "/admin/directory")
                shot("audit-log", "/admin/audit")
                shot("audit-log-filtered-by-extension", "/admin/audit?about=201")
                shot("account-settings", "/admin/settings/account")
                shot("outgoing-email", "/admin/emails")
                shot("tokens", "/admin/tokens")
                page.set_viewport_size({"width": 390, "height": 844})
                shot("phone-width-profiles", "/admin/profiles")
                page.get_by_role("button", name="Menu").click()
                shot("phone-width-menu-open")
                shot("phone-width-audit-log", "/admin/audit")
                shot("phone-width-account-settings", "/admin/settings/account")
                shot("phone-width-tokens", "/admin/tokens")
                page.set_viewport_size({"width": 1280, "height": 800})
                page.get_by_role("link", name="Virtual Office").click()
                page.wait_for_load_state("networkidle")
                shot("admin-in-virtual-office-one-sign-in")
                portal = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
                page = portal
                sign_in(page, base, "/portal/sign-in", "ann.lee")
                shot("portal-my-extensions", "/portal/extensions")
                page.get_by_role("button", name="Set up the mobile app for extension 201").click()
                page.wait_for_load_state("networkidle")
                shot("portal-mobile-app-shown-once", full=True)
                shot("portal-my-messages", "/portal/messages")
                shot("portal-directory", "/portal/directory")
                page.set_viewport_size({"width": 390, "height": 844})
                shot("phone-width-portal-messages", "/portal/messages")
                browser.close()
        finally:
            server.should_exit = True
            time.sleep(0.3)
            database.dispose()
    print("\n".join(shots))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
