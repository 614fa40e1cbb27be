"""Every domain's models, imported in one place so that Alembic sees all tables."""

from ringback.accounts import models as _accounts  # noqa: F401
from ringback.calls import models as _calls  # noqa: F401
from ringback.contacts import models as _contacts  # noqa: F401
from ringback.db.base import Base
from ringback.outbound import models as _outbound  # noqa: F401
from ringback.telephony import models as _telephony  # noqa: F401
from ringback.tracking import models as _tracking  # noqa: F401
from ringback.voicemail import models as _voicemail  # noqa: F401

metadata = Base.metadata
