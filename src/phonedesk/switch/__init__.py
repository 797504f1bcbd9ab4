"""The switch: PhoneDesk as the provisioning plane of a real Kamailio (R-SW1–R-SW7).

``contract`` the versioned SQL views Kamailio reads; ``domains`` and
``credentials`` the rules for SIP domains and device credentials; ``actions``
what must reach a running Kamailio after commit (through the outbox) and ``rpc``
how it gets there; ``config`` renders ``kamailio.cfg``; ``runner`` starts it.
"""
