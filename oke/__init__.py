"""oke: the OKE test-administration exchange (NED-OOAPI, OOAPI v5 with the nl-test-admin consumer)."""

__version__ = "0.1.0"
#: What every outbound call of oke sends as `User-Agent`, so that a peer's logs name the system and version that
#: called (httpx's own, `python-httpx/...`, names only the library).
USER_AGENT = f"oke/{__version__}"

#: The nl-test-admin consumer version oke speaks by default (the definitive PDF, 27-05-2026).
NL_TEST_ADMIN_VERSION = "1.0.1"
