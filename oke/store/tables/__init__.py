"""Every table module, imported so that `Base.metadata` knows all tables (migrations, create_all)."""

from oke.store.tables import auth as auth
from oke.store.tables import deelnemerregistratie as deelnemerregistratie
from oke.store.tables import messages as messages
from oke.store.tables import outbox as outbox
from oke.store.tables import peers as peers
from oke.store.tables import server as server
from oke.store.tables import toetsafname as toetsafname
from oke.store.tables import toetsplanning as toetsplanning
