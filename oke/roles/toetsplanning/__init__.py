"""Toetsplanning (TP): plans sessions and is the hub of the result flows. oke's product."""
