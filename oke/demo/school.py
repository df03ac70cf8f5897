"""The demo school's planbare toetsen: tests of the reference TA's catalogue, each on a scale DR chooses, some
differing from TA's so that TP converts (0-100 to 0.0-10.0, a reference level to pass-or-fail)."""

from __future__ import annotations

from oke.roles.deelnemerregistratie.generated import Toets
from oke.roles.toetsafname.catalogue import REKENEN_2F, demo_id

TECHNIEK, ZORG, ICT, MONTEUR = "25502", "25491", "25604", "25295"

TOETSEN = (
    Toets("REK-2F-2026-P2", REKENEN_2F, "Rekenen 2F, periode 2", "0.0-10.0"),
    Toets(
        "NL-3F-2026-P2",
        demo_id("NL-3F-LEZEN"),
        "Nederlands 3F lezen, periode 2",
        "referenceLevelRKTR",
        final_allowed=False,
        crebos=(TECHNIEK, ZORG, ICT),
    ),
    Toets(
        "KT-MECH-2026-P2",
        demo_id("KT-MECHATRONICA"),
        "Kennistoets mechatronica",
        "0.0-10.0",
        crebos=(TECHNIEK, MONTEUR),
    ),  # TA scores 0-100
    Toets("EN-B1-2026-P2", demo_id("EN-B1"), "Engels B1", "pass-or-fail", crebos=(ICT, TECHNIEK)),  # TA: ERK levels
    Toets("PEX-VIG-2026", demo_id("PRAKTIJK-VIG-B1K1"), "Praktijkexamen VIG B1-K1", "pass-or-fail", crebos=(ZORG,)),
)
