"""The durable, transactional outbox: outbound OOAPI calls written with the change they announce.

`writer.Outbox` adds a call in a unit of work's transaction, so it is sent iff the change is
committed; `relay.Relay` delivers the calls later, in order per object, with retries
(`retry.RetryPolicy`); `operations` lets operators see and retry what a peer refused.
"""
