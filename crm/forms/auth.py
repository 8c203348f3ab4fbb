from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from crm.i18n import LOCALE_NAMES
from crm.services.users import EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN

REQUIRED = _l("This field is required.")


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
