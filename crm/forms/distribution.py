from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from crm.forms import strip as _strip
from crm.services.distribution.requests import MAX_REQUEST, NOTE_MAX


class RequestForm(FlaskForm):
    product_id = SelectField(_l("Product"), coerce=int, choices=[], validate_choice=False)
    quantity = IntegerField(
        _l("How many records?"),
        validators=[
            DataRequired(_l("Enter a number.")),
            NumberRange(min=1, max=MAX_REQUEST, message=_l("Between %(min)s and %(max)s.")),
        ],
    )
    note = TextAreaField(_l("Note (optional)"), filters=[_strip], validators=[Optional(), Length(max=NOTE_MAX, message=_l("At most %(max)d characters."))])


class ApproveForm(FlaskForm):
    """Approving one request: an optional smaller quantity, digits only
    (a "1.000" or "1,000" must never be read as 1)."""

    quantity = StringField(_l("How many records?"), filters=[_strip], validators=[
        Optional(), Regexp(r"^[0-9]{1,7}$", message=_l("Enter the number of records as digits only, e.g. 1000."))])
