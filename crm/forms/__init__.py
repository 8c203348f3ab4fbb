"""FlaskForm classes per feature: shape validation only (permissions and uniqueness are the services' job)."""

from flask_babel import lazy_gettext as _l

REQUIRED = _l("This field is required.")


def strip(value):
    """Field filter: surrounding spaces never count."""
    return value.strip() if isinstance(value, str) else value
