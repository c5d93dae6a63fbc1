"""What the pages of every app share about forms."""

from django.core.exceptions import ValidationError


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's field errors on the form; unknown fields go to the top of the form."""
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)
