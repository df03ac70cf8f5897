"""The outbound side: oke calling its peers (TA, DR) over OOAPI with OAuth2 client-credentials tokens.

`PeerDirectory` builds one `OoapiClient` per configured peer (the `peers` table); each client gets
its tokens from a `TokenSource` and turns transport failures into `PeerUnavailable`.
"""
