"""Wire format of OOAPI v5 with the nl-test-admin consumer: models, enums, merge patch, problems, paging.

This package is a leaf: it imports only pydantic and the standard library.
"""
