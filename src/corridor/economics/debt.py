"""Debt sized by DSCR sculpting, and the cover ratios (DSCR, LLCR, PLCR).

Sculpting (infra-anchors §6; FHWA P3 primer 2013): debt service in each year of the tenor is CFADS_t / DSCR, so
principal_t = CFADS_t / DSCR - interest_t, and the debt is the present value of that service at the debt rate.
When a gearing cap makes the debt smaller, service is sculpted to the same shape at the higher DSCR that repays
the smaller debt exactly (DSCR_eff = PV(CFADS) / debt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from corridor._errors import Problem, ValidationError


@dataclass(frozen=True)
class DebtSchedule:
    """A sculpted loan; arrays run over the tenor years (index 0 = first repayment year)."""

    amount_usd: float
    rate: float
    dscr_target: float
    dscr_effective: float
    binding: str  # "dscr" (sized by cover) or "gearing" (cap smaller than what cover allows)
    opening_usd: np.ndarray
    interest_usd: np.ndarray
    principal_usd: np.ndarray
    service_usd: np.ndarray
    closing_usd: np.ndarray

    @property
    def negative_amortisation(self) -> bool:
        """True when some year's service is below its interest (the balance grows that year)."""
        return bool(np.any(self.principal_usd < -1e-9 * max(self.amount_usd, 1.0)))


def _pv(rate: float, flows: np.ndarray) -> float:
    """Present value of ``flows`` paid at t = 1..n."""
    return float(np.sum(flows / (1.0 + rate) ** np.arange(1, flows.size + 1)))


def sculpted_debt(
    cfads: Sequence[float] | np.ndarray,
    *,
    rate: float,
    dscr: float,
    max_amount_usd: float | None = None,
) -> DebtSchedule:
    """Size and schedule a loan repaid from ``cfads`` (cash flow available for debt service, one per tenor year).

    Years with CFADS <= 0 get no service (interest is capitalised: negative amortisation, flagged on the
    result) rather than negative service. Raises ``ValidationError`` for a bad DSCR, rate, cap or series.
    """
    c = np.asarray(cfads, dtype=float)
    problems = []
    if c.ndim != 1 or c.size == 0:
        problems.append(Problem("expected a non-empty series of CFADS over the tenor", field="cfads"))
    elif np.any(~np.isfinite(c)):
        problems.append(Problem("CFADS must be finite numbers", field="cfads"))
    if not dscr >= 1.0:
        problems.append(Problem("DSCR target must be >= 1", field="dscr", value=dscr))
    if not rate > -1.0:
        problems.append(Problem("debt rate must be > -1", field="rate", value=rate))
    if max_amount_usd is not None and not max_amount_usd >= 0:
        problems.append(Problem("debt cap must be >= 0", field="max_amount_usd", value=max_amount_usd))
    if problems:
        raise ValidationError(problems)

    c = np.maximum(c, 0.0)
    pv_cfads = _pv(rate, c)
    amount = pv_cfads / dscr
    binding = "dscr"
    if max_amount_usd is not None and max_amount_usd < amount:
        amount, binding = float(max_amount_usd), "gearing"
    dscr_eff = pv_cfads / amount if amount > 0 else float("inf")
    service = c / dscr_eff if amount > 0 else np.zeros_like(c)

    n = c.size
    opening, interest, principal, closing = (np.zeros(n) for _ in range(4))
    bal = amount
    for i in range(n):
        opening[i] = bal
        interest[i] = rate * bal
        principal[i] = service[i] - interest[i]
        bal -= principal[i]
        closing[i] = bal
    closing[-1] = 0.0 if abs(closing[-1]) < 1e-6 * max(amount, 1.0) else closing[-1]
    return DebtSchedule(amount, rate, dscr, dscr_eff, binding, opening, interest, principal, service, closing)


def llcr(cfads: Sequence[float] | np.ndarray, *, rate: float, debt_usd: float) -> float:
    """Loan-life cover ratio: PV of CFADS over the loan life at the debt rate / debt outstanding."""
    return _pv(rate, np.asarray(cfads, dtype=float)) / debt_usd if debt_usd > 0 else float("inf")


def plcr(cfads: Sequence[float] | np.ndarray, *, rate: float, debt_usd: float) -> float:
    """Project-life cover ratio: PV of CFADS over the remaining project life / debt outstanding."""
    return llcr(cfads, rate=rate, debt_usd=debt_usd)
