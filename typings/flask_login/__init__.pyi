# Flask-Login 0.6 ships no types: the part of its interface the service uses.
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Flask

_F = TypeVar("_F", bound=Callable[..., Any])
_U = TypeVar("_U", bound=Callable[[str], Any])

class UserMixin:
    @property
    def is_active(self) -> bool: ...
    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_anonymous(self) -> bool: ...
    def get_id(self) -> str: ...

class LoginManager:
    login_view: str | None
    login_message: str | None
    def __init__(self, app: Flask | None = ..., add_context_processor: bool = ...) -> None: ...
    def init_app(self, app: Flask, add_context_processor: bool = ...) -> None: ...
    def user_loader(self, callback: _U) -> _U: ...
    def unauthorized(self) -> Any: ...
    def _update_request_context_with_user(self, user: UserMixin | None = ...) -> None: ...

# A proxy to the signed-in user (the app's user class) or an anonymous one.
current_user: Any

def login_user(
    user: UserMixin,
    remember: bool = ...,
    duration: timedelta | None = ...,
    force: bool = ...,
    fresh: bool = ...,
) -> bool: ...
def logout_user() -> bool: ...
def login_required(func: _F) -> _F: ...
