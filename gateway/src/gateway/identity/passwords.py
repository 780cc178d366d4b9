"""Password rules: 8–128 characters, not only digits or only letters, not the user name, and not one of the
passwords too common to protect anything (``common_passwords.txt``, compared without case)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("gateway").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str | None = None) -> str | None:
    """The Vietnamese reason a password is refused, or None when it is acceptable."""
    if len(password) < 8 or len(password) > 128:
        return "Mật khẩu phải có từ 8 đến 128 ký tự."
    if password.isdigit() or password.isalpha():
        return "Mật khẩu phải có cả chữ và số hoặc ký tự đặc biệt."
    if password.lower() in common_passwords():
        return "Mật khẩu này quá phổ biến, dễ bị đoán; vui lòng chọn mật khẩu khác."
    if username and len(username) >= 3 and username.lower() in password.lower():
        return "Mật khẩu không được chứa tên đăng nhập."
    return None
