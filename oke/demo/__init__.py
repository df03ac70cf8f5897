"""The exam day of the whole OKE chain (`oke demo`, `oke simulate`): TP, the reference TA and the reference DR
wired as peers of each other, a generated school, flows 0 to 5 over HTTP, and a check of what reached DR."""
