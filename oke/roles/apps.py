"""Each role's app factory: what `oke serve` runs and the demo starts. The one module that knows all three roles
(none of them imports another)."""

from __future__ import annotations

from oke.config import Role
from oke.roles.deelnemerregistratie.app import create_app as create_dr_app
from oke.roles.toetsafname.app import create_app as create_ta_app
from oke.roles.toetsplanning.app import create_app as create_tp_app

CREATE = {Role.toetsplanning: create_tp_app, Role.toetsafname: create_ta_app, Role.deelnemerregistratie: create_dr_app}
