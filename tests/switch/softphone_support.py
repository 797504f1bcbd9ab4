"""Helpers for the softphone tests: a portal user signed in through the real forms,
*Set up the mobile app* as the browser posts it, the QR code decoded, Linphone's XML read."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from tests.identity.helpers import latest_link
from tests.outbox.support import create_password, form_token, sign_in

PORTAL_PASSWORD = "a long portal passphrase 7"
_QR = re.compile(r'id="provisioning-qr"[^>]*? src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
_SHOWN = re.compile(r'id="sip-password" type="text" readonly value="([a-z0-9]{20})"')
_NS = "{http://www.linphone.org/xsds/lpconfig.xsd}"


def portal_user(web: TestClient, database: object, email: str) -> None:
    """Create the password from the assignment email's link, then sign in (R-V1, R-V3)."""
    made = create_password(web, latest_link(database, email), PORTAL_PASSWORD)  # type: ignore[arg-type]
    assert made.status_code == 200, made.text
    signed = sign_in(web, email, PORTAL_PASSWORD)
    assert signed.status_code == 303, signed.text


@dataclass(frozen=True)
class MobileApp:
    """What the page showed once: the password, and where its QR code points."""

    password: str
    url: str
    page: str


def set_up_mobile_app(web: TestClient, number: str) -> MobileApp:
    listing = web.get("/portal/extensions")
    assert 'aria-label="Set up the mobile app' in listing.text, listing.text
    shown = web.post(f"/portal/extensions/{number}/mobile-app",
                     data={"csrf_token": form_token(listing.text)})
    assert shown.status_code == 200, shown.text
    assert shown.headers["Cache-Control"] == "no-store"
    password = _SHOWN.search(shown.text)
    assert password, shown.text
    return MobileApp(password.group(1), decode_qr(shown.text), shown.text)


def decode_qr(html: str) -> str:
    """The text of the page's QR code, as a phone's camera reads it (zxing-cpp)."""
    found = _QR.search(html)
    assert found, "no QR code in the page"
    image = Image.open(io.BytesIO(base64.b64decode(found.group(1)))).convert("L")
    [code] = zxingcpp.read_barcodes(image)
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    return str(code.text)


def linphone_settings(xml: str) -> dict[str, dict[str, str]]:
    """Linphone's remote-provisioning XML as {section: {entry: value}}."""
    root = ET.fromstring(xml)
    assert root.tag == f"{_NS}config"
    return {section.attrib["name"]: {e.attrib["name"]: e.text or ""
                                     for e in section.iter(f"{_NS}entry")}
            for section in root.iter(f"{_NS}section")}


def fetch_provisioning(web: TestClient, url: str) -> str:
    """GET the one-time link (its path, on the app under test)."""
    got = web.get(urlsplit(url).path)
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/xml")
    assert got.headers["Cache-Control"] == "no-store"
    return got.text
