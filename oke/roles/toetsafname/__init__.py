"""The reference Toetsafname (TA): a strict TA that vendors test their Toetsplanning against.

It serves a demo catalogue (flow 0), receives Zittingen and Deelnames (flow 2), hands out access
links (2.7) and serves its documents (3.3); running a session and sending flows 3 and 4 build on it.
"""
