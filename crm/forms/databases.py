from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from crm.forms import strip as _strip


class UploadForm(FlaskForm):
    product_id = SelectField(_l("Product"), coerce=int, choices=[], validate_choice=False)
    name = StringField(_l("Name (optional)"), filters=[_strip], validators=[Optional(), Length(max=200, message=_l("At most %(max)d characters."))])
    file = FileField(_l("File (CSV, XLSX or XLS)"), validators=[FileRequired(_l("Please choose a file."))])
