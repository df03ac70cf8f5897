"""TP calls the reference TA with `private_key_jwt` (RFC 7523): TA knows only TP's public key, TP signs a
client assertion per token fetch; no shared secret exists. Flow 2 arrives as it does with a secret."""

from __future__ import annotations

from sqlalchemy import select

from oke.auth.caller import ClientRole
from oke.auth.clients import ClientRegistry
from oke.auth.jwk import load_private_pem, new_private_pem, public_jwk
from oke.client.peers import add_peer
from oke.roles.toetsafname.catalogue import REKENEN_2F
from oke.store.tables.auth import UsedAssertion
from tests.api_client import TP, Peer, Server
from tests.e2e.test_chain_flow2 import eventually, states, tp_peer_name
from tests.ta_client import TA


def register_with_key(server: Server, role: ClientRole, client_id: str, private_pem: str, peer: str | None) -> None:
    """Register a client at `server` that authenticates with the key of `private_pem` (its public part)."""
    key, _, _ = load_private_pem(private_pem)
    with server.session_factory() as session:
        ClientRegistry(session).add(
            role=role,
            tenant=server.tenant,
            scopes=server.default_scopes[role],
            client_id=client_id,
            peer=peer,
            jwks={"keys": [public_jwk(key.public_key())]},
        )
        session.commit()


def test_tp_delivers_flow_2_to_ta_with_a_signed_client_assertion(tp: TP, ta: TA) -> None:
    private_pem = new_private_pem()
    client_id = f"tp-key-{ta.tenant}"
    register_with_key(ta, ClientRole.tp, client_id, private_pem, tp_peer_name(ta))
    with tp.session_factory() as session:
        add_peer(
            session,
            name=tp.peer_name("ta-key"),
            role="ta",
            tenant=tp.tenant,
            base_url=f"{ta.url}/ooapi",
            token_url=f"{ta.url}/oauth2/token",
            client_id=client_id,
            secret=None,
            private_key_pem=private_pem,
        )
        session.commit()

    planned = tp.plan("ta-key", students=2, component=REKENEN_2F)
    zitting = planned["zittingId"]

    eventually(lambda: states(tp, zitting) == ["delivered"] * 3)
    reader = Peer(ta.http, ta.token(*ta.register(ClientRole.tp, peer=tp_peer_name(ta))))
    assert reader.get(f"/offerings/{zitting}").json()["component"] == REKENEN_2F
    with ta.session_factory() as session:
        spent = session.scalars(select(UsedAssertion).where(UsedAssertion.client_id == client_id)).all()
    assert len(spent) == 1  # one token fetched with one assertion, reused for every call
