"""The reference Deelnemerregistratie (DR): a strict student information system to test a TP against."""
