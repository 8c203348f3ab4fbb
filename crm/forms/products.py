from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.forms import strip as _strip
from crm.forms import REQUIRED


class ProductForm(FlaskForm):
    name = StringField(_l("Name"), filters=[_strip], validators=[DataRequired(REQUIRED), Length(max=80, message=_l("At most %(max)d characters."))])
    wa_template = TextAreaField(
        _l("WhatsApp message"),
        filters=[_strip],
        validators=[Optional(), Length(max=1000, message=_l("At most %(max)d characters."))],
    )
