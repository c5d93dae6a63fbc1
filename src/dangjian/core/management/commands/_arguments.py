"""Turning a service's field errors into a command error that names the command-line argument."""

from django.core.exceptions import ValidationError
from django.core.management import CommandError


def command_error(error: ValidationError, arguments: dict[str, str]) -> CommandError:
    """``arguments`` maps the service's field names to the command's arguments (``--org``)."""
    if not hasattr(error, "error_dict"):
        return CommandError(" ".join(error.messages))
    return CommandError("\n".join(
        f"{arguments.get(field, field)}: {message}"
        for field, messages in error.message_dict.items() for message in messages
    ))
