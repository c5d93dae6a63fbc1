"""Typed readers for settings that come from the environment.

Every secret can also be given as NAME_FILE pointing at a file, so that deployments can keep
secrets out of the process environment (Docker/Kubernetes secrets, systemd credentials).
"""

import datetime as dt
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def get_str(name: str, default: str | None = None) -> str | None:
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def get_bool(name: str, default: bool) -> bool:
    value = get_str(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def get_int(name: str, default: int) -> int:
    value = get_str(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from exc


def get_date(name: str, default: str) -> dt.date:
    value = get_str(name) or default
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a date written as 2026-05-01, not {value!r}") from exc


def get_list(name: str, default: list[str]) -> list[str]:
    value = get_str(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]
