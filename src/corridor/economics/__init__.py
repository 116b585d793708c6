"""Economics of the corridor: trade impact of a scenario and concession finance.

Modules: :mod:`~corridor.economics.trade` (change in bilateral trade from time and cost changes),
:mod:`~corridor.economics.finance` (bids, yearly concession model, comparison), :mod:`~corridor.economics.cashflow`
(NPV, IRR with every root, MIRR, payback), :mod:`~corridor.economics.debt` (DSCR sculpting, LLCR, PLCR) and
:mod:`~corridor.economics.plots` (inline SVG for the report). Bundled, sourced inputs live in ``data/``.
"""

from corridor.economics.finance import (
    Bid,
    BidResult,
    bundled_finance_case,
    compare_bids,
    evaluate_bid,
    load_bids,
)
from corridor.economics.trade import TradeImpact, bundled_trade_case, load_routes, trade_impact

__all__ = [
    "Bid",
    "BidResult",
    "TradeImpact",
    "bundled_finance_case",
    "bundled_trade_case",
    "compare_bids",
    "evaluate_bid",
    "load_bids",
    "load_routes",
    "trade_impact",
]
