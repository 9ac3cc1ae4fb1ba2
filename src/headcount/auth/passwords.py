"""Password hashing with argon2id (argon2-cffi's RFC 9106 defaults)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH, MAX_LENGTH = 12, 1024
HASHER = PasswordHasher()


class PasswordError(ValueError):
    """A password that does not meet the rules (says which, never the password)."""


def check_rules(password: str, username: str) -> None:
    if len(password) < MIN_LENGTH:
        raise PasswordError(f"the password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordError(f"the password must be at most {MAX_LENGTH} characters")
    if password.casefold() == username.casefold():
        raise PasswordError("the password must not be the user name")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@cache
def _dummy_hash() -> str:
    return HASHER.hash("no such user: this hash only spends the same time")


def password_matches(stored: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (`stored` None): an unknown name must not
    answer faster than a wrong password."""
    try:
        return HASHER.verify(stored or _dummy_hash(), password[:MAX_LENGTH]) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
