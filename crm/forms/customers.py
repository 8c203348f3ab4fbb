from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from crm.forms.auth import REQUIRED
from crm.services.distribution import MAX_REQUEST, NOTE_MAX


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(REQUIRED), Length(max=80, message=_l("At most %(max)d characters."))])
    wa_template = TextAreaField(
        _l("WhatsApp message"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )


class UploadForm(FlaskForm):
    product_id = SelectField(_l("Product"), coerce=int, choices=[], validate_choice=False)
    name = StringField(_l("Name (optional)"), filters=[_strip], validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    file = FileField(_l("File (CSV, XLSX or XLS)"))


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
