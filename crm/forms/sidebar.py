from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from crm.forms import REQUIRED
from crm.services.sidebar import FOLDER_LABEL_MAX


class FolderForm(FlaskForm):
    label = StringField(_l("Folder name"), validators=[DataRequired(REQUIRED), Length(max=FOLDER_LABEL_MAX, message=_l("At most %(max)d characters."))])
