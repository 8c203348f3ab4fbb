from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from crm.forms import REQUIRED
from crm.forms import strip as _strip
from crm.i18n import LOCALE_NAMES
from crm.services.accounts.hierarchy import ROLE_LABELS
from crm.services.accounts.users import EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN



class UserForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(REQUIRED), Length(max=NAME_MAX, message=_l("At most %(max)d characters."))])
    email = EmailField(
        _l("Email"),
        filters=[_strip],
        validators=[
            DataRequired(REQUIRED),
            Length(max=EMAIL_MAX, message=_l("At most %(max)d characters.")),
            # Permissive on purpose: self-hosted teams use internal domains (e.g. .local).
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Please enter a valid email address.")),
        ],
    )
    # Choices are limited to what the actor may grant; anything else posted is
    # refused by the form (message below) and again by the service.
    role = SelectField(_l("Role"), choices=[], validate_choice=False)
    active = BooleanField(_l("Active"), default=True)
    locale = SelectField(_l("Language"), choices=[SelectChoice("", _l("Default for the role"))] + [SelectChoice(k, v) for k, v in LOCALE_NAMES.items()], validate_choice=False)
    password = PasswordField(
        _l("Password"),
        validators=[Optional(), Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("Between %(min)d and %(max)d characters."))],
    )

    def set_roles(self, roles):
        self.role.choices = [SelectChoice(r.value, _l(ROLE_LABELS[r.value])) for r in roles]

    def validate_role(self, field):
        from wtforms.validators import ValidationError

        if field.data not in {c.value for c in field.choices}:
            raise ValidationError(_l("Please choose one of the roles offered."))

    def validate_locale(self, field):
        from wtforms.validators import ValidationError

        if field.data and field.data not in LOCALE_NAMES:
            raise ValidationError(_l("Unknown language."))


class NewUserForm(UserForm):
    """Creating a user: a first password is required (editing leaves it optional)."""

    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(REQUIRED), Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("Between %(min)d and %(max)d characters."))],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(REQUIRED), Length(max=EMAIL_MAX, message=_l("Too long."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(REQUIRED), Length(max=PASSWORD_MAX, message=_l("Too long."))])
    remember = BooleanField(_l("Remember me"))


class PreferencesForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(REQUIRED), Length(max=NAME_MAX, message=_l("At most %(max)d characters."))],
    )
    locale = SelectField(_l("Language"), choices=[SelectChoice(k, v) for k, v in LOCALE_NAMES.items()], validate_choice=False)


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)])
    new_password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(REQUIRED),
            Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=_l("Between %(min)d and %(max)d characters.")),
        ],
    )
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(REQUIRED), EqualTo("new_password", message=_l("The two passwords do not match."))],
    )
