"""Voicemail and fax messages deposited by the PBX (R-M1)."""
