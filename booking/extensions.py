"""Flask extensions, created unbound here and bound to the app in create_app()."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from booking.database import Base

db = SQLAlchemy(model_class=Base)
# The models' base class. db.Model is built from Base at run time, which a
# type checker cannot follow; Base declares all it needs to know.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
login = LoginManager()
babel = Babel()


def _per_network_address() -> str:
    # Imported here, not above: booking.web.limits imports this module's limiter.
    from booking.web.limits import address_key

    return address_key()


limiter = Limiter(key_func=_per_network_address)
