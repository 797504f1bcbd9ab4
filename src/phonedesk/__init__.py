"""PhoneDesk: an account manager for hosted phone systems."""

__version__ = "0.1.0"
