"""ORM models, one module per aggregate. Importing this package registers them all."""

from phonedesk.models.account import Account
from phonedesk.models.audit import AuditEvent
from phonedesk.models.base import Base
from phonedesk.models.bulk import ImportBatch, ImportRow
from phonedesk.models.extension import Extension
from phonedesk.models.form_submission import FormSubmission
from phonedesk.models.message import Message
from phonedesk.models.outbox import OutboxMessage
from phonedesk.models.profile import Profile
from phonedesk.models.setup_link import SetupLink
from phonedesk.models.switch import SipCredential, SipDomain, SoftphoneProvisioning
from phonedesk.models.throttle import SignInThrottle
from phonedesk.models.token import ApiToken
from phonedesk.models.web_session import WebSession

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "Base",
    "Extension",
    "FormSubmission",
    "ImportBatch",
    "ImportRow",
    "Message",
    "OutboxMessage",
    "Profile",
    "SetupLink",
    "SignInThrottle",
    "SipCredential",
    "SipDomain",
    "SoftphoneProvisioning",
    "WebSession",
]
