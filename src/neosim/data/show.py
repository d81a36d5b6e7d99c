"""Plain-text rendering of a packaged cohort for ``neosim data show``."""

from __future__ import annotations

from neosim.data.cohort import Cohort


def render_cohort(c: Cohort) -> str:
    """Citation, counts by subtype, and the list of what is not reported."""
    s = c.source
    if s.user_supplied:
        head = [f"{s.name}: user-supplied counts ({c.file})"]
    else:
        head = [f"{s.name}: {s.short}", f"  {s.citation}",
                f"  doi:{s.doi}" + (f"  PMID {s.pmid}" if s.pmid else ""),
                f"  period {s.period}; {s.country}; {s.population}",
                f"  neonatal: {s.neonatal_definition}", f"  evidence: {s.evidence}"]
    lines = [*head,
        "",
        f"infants: {c.infants.total}  "
        + "  ".join(f"{k} {v}" for k, v in c.infants.by_subtype.items()),
        f"neonates: {c.neonates.total}  (follow-up months: {c.neonates.follow_up_months})",
    ]
    header = ("subtype", "cases", "of infants", "MLL-r/reported", "survivors", "after SCT",
              "transplanted", "FAB")
    lines.append("  " + "  ".join(f"{h:>14s}" for h in header))
    for name, sub in c.neonates.by_subtype.items():
        fab = ", ".join(f"{k} {v}" for k, v in sub.fab.items()) or "-"
        cells = (name, sub.cases, c.infants.by_subtype[name],
                 f"{sub.mll_rearranged}/{sub.mll_reported}", sub.survivors,
                 sub.survivors_after_sct, sub.transplanted, fab)
        lines.append("  " + "  ".join(f"{x!s:>14s}" for x in cells))
    if c.derived:
        lines.append("")
        lines.append("derived by arithmetic (not printed in the paper): " + ", ".join(c.derived))
    if s.notes:
        lines.append("")
        lines.extend(f"- {n}" for n in s.notes)
    return "\n".join(lines)
